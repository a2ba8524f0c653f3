"""[dev].source (issue 9): how the dev container gets the project.

``mount`` bind-mounts it (the engine must see this directory); ``sync``
copies it in through the archive API, before the container starts, and then
sends each batch of changes before the reload: one archive for what exists,
one ``rm`` for what was deleted. ``auto`` asks the engine once per engine
and project (a marker file read back through a bind mount, see
devparity.engine.copy.sees) and syncs when it cannot see it: a remote
engine, or one in a VM that shares no files.

What is copied: the build context's files (``.dockerignore`` with the
default excludes, ``[build].include``) less the watcher's ignores
(``[dev].ignore``, VCS and dependency dirs, editor files), owned by the dev
user (uid:gid) with their modes and mtimes (a reloader or bytecode cache that
compares mtimes sees the edit). Files the image's workdir has that the
project no longer has stay until the next rebuild.
"""

from __future__ import annotations

import os
import posixpath
import secrets
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from devparity import engine, ui
from devparity.config import Config
from devparity.dev import supervisor
from devparity.dev.watch import SourceFilter
from devparity.engine import context
from devparity.engine import copy as engine_copy
from devparity.engine.specs import ContainerSpec, SyncSource

MOUNT, SYNC = "mount", "sync"
MARKER = ".devparity-sees-"
SPOOL = 16 * 1024 * 1024  # archives larger than this are spooled to a temp file

# (engine address, project root) -> whether the engine sees the project: one
# probe per session, not one per container (re)creation.
_seen: dict[tuple[str, str], bool] = {}


def mode(config: Config, image_id: str, owner: dict[str, str]) -> str:
    """``mount`` or ``sync`` for the dev container of ``config``."""
    if config.dev_source != "auto":
        return config.dev_source
    key = (engine.engine_address(), str(config.root))
    if key not in _seen:
        _seen[key] = engine_sees(config.root, image_id, owner)
        if not _seen[key]:
            ui.info(f"the engine at {key[0]} cannot see {config.root}: syncing it into the dev container")
    return MOUNT if _seen[key] else SYNC


def engine_sees(root: Path, image_id: str, owner: dict[str, str]) -> bool:
    marker = MARKER + secrets.token_hex(8)
    path = root / marker
    try:
        path.write_bytes(b"")
    except OSError:
        return False  # a read-only checkout: sync works on any engine
    try:
        return engine_copy.sees(image_id, str(root), marker, owner)
    finally:
        path.unlink(missing_ok=True)


class Selection:
    """Which project paths are copied: the build context's rules and the watcher's."""

    def __init__(self, src: SyncSource) -> None:
        self.root = Path(src.root)
        self.include = src.include
        self.matcher = context.Matcher(context.patterns(self.root, src.include))
        self.watch = SourceFilter(self.root, src.ignore)

    def initial(self) -> list[str]:
        """Everything to copy at start (the watcher's filter judges every component)."""
        return [rel for rel in context.context_files(self.root, self.include) if self.watch(None, str(self.root / rel))]

    def wanted(self, rel: str) -> bool:
        """Not left out by .dockerignore (nor in a left-out directory), nor ignored by the watcher."""
        if not self.watch(None, str(self.root / rel)):
            return False
        parts = rel.split("/")
        hint = False
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if self.matcher.matches(prefix, parts[i - 1], hint) and not self.matcher.must_enter(prefix):
                return False
            hint = self.matcher.dir_hint(hint, prefix)
        return not self.matcher.matches(rel, parts[-1], hint)

    def expand(self, rels: Iterable[str]) -> list[str]:
        """``rels`` that exist and are wanted, directories with what they hold."""
        out: list[str] = []
        for rel in rels:
            full = self.root / rel
            if not self.wanted(rel) or not os.path.lexists(full):
                continue
            out.append(rel)
            if full.is_dir() and not full.is_symlink():
                for dirpath, dirnames, filenames in os.walk(full):
                    base = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                    dirnames[:] = [d for d in dirnames if self.wanted(f"{base}/{d}")]
                    out += [f"{base}/{n}" for n in (*dirnames, *filenames) if self.wanted(f"{base}/{n}")]
        return sorted(set(out))


def archive(root: Path, rels: Sequence[str], top: str, owner: tuple[int, int], *, with_top: bool) -> IO[bytes]:
    """A tar of ``rels`` under the directory name ``top``, owned by ``owner``;
    ``with_top`` adds ``top`` itself (the workdir becomes the dev user's)."""
    buf = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    uid, gid = owner
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, path: Path) -> None:
            info = tar.gettarinfo(str(path), arcname=name)
            info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            elif info.isdir() or info.issym():
                tar.addfile(info)

        if with_top:
            add(top, root)
        for rel in rels:
            try:
                add(f"{top}/{rel}", root / rel)
            except FileNotFoundError:
                continue  # deleted while the batch was read: the next batch removes it
    buf.seek(0)
    return buf


def _supervisor_archive() -> bytes:
    import io

    body = supervisor.text().encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        d = tarfile.TarInfo(".devparity")
        d.type, d.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(d)
        f = tarfile.TarInfo(".devparity/supervise.sh")
        f.size, f.mode = len(body), 0o644
        tar.addfile(f, io.BytesIO(body))
    return buf.getvalue()


def seed(cid: str, spec: ContainerSpec) -> None:
    """Before the first start: the supervisor and the whole project."""
    src = spec.sync
    assert src is not None
    engine_copy.put(cid, "/", _supervisor_archive())
    parent, top = posixpath.split(spec.working_dir.rstrip("/"))
    files = Selection(src).initial()
    with archive(Path(src.root), files, top, src.owner, with_top=True) as data:
        engine_copy.put(cid, parent or "/", data)


def send(cid: str, spec: ContainerSpec, paths: Sequence[str]) -> int:
    """One watcher batch: deleted paths removed (one ``rm``), the others sent
    as one archive. Returns how many paths went (0: all were ignored)."""
    src = spec.sync
    assert src is not None
    sel = Selection(src)
    root = Path(src.root)
    gone = [p for p in paths if not os.path.lexists(root / p) and sel.wanted(p)]
    present = sel.expand(p for p in paths if os.path.lexists(root / p))
    user = f"{src.owner[0]}:{src.owner[1]}"
    if gone:
        wd = spec.working_dir.rstrip("/")
        engine_copy.run(cid, ["rm", "-rf", "--", *(f"{wd}/{p}" for p in gone)], user=user)
    if present:
        parent, top = posixpath.split(spec.working_dir.rstrip("/"))
        with archive(root, present, top, src.owner, with_top=False) as data:
            engine_copy.put(cid, parent or "/", data)
    return len(gone) + len(present)


def prepare_for(spec: ContainerSpec) -> Callable[[str], None] | None:
    """What ``engine.containers.run`` does between create and start: seed a sync container."""
    if spec.sync is None:
        return None
    return lambda cid: seed(cid, spec)
