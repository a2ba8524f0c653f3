"""Read files out of images and containers without executing anything in them.

Everything goes through the engine's archive API (``GET
/containers/{id}/archive``), which returns a tar stream of a path. Images have
no archive endpoint, so an image is read through a probe container that is
created (never started) and always removed afterwards. Nothing inside the
image runs, so a broken, hostile or shell-less image is read just as well.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from devparity import identity
from devparity.engine import LABEL_CHECKOUT, LABEL_PROJECT, LABEL_ROLE, client, mapped_errors, upperdir
from devparity.engine.models import GraphDriverInfo

ROLE_PROBE = "probe"
# The engine refuses to create a container without a command; this one is
# never started, so it only has to be non-empty (and must not look runnable).
_PROBE_ENTRYPOINT = ["/.devparity-probe-never-started"]
_MAX_SYMLINK_HOPS = 8
# diff API kinds: 0 modified, 1 added, 2 deleted (engine api/types/container).
_DIFF_KINDS = {0: "C", 1: "A", 2: "D"}


@dataclass(frozen=True)
class Target:
    """What to read from: an image (id or reference) or a container (id or name)."""

    kind: Literal["image", "container"]
    ref: str
    project_name: str | None = None  # labels a probe container with it

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"


class _ChunkStream(io.RawIOBase):
    """File-like view of the SDK's chunk generator, so tarfile can stream it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buf = memoryview(b"")  # a view, so consuming a 2 MB chunk in 10 KB reads copies nothing

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _strip_root(name: str) -> str:
    """Tar member names start with the requested path's basename; drop it."""
    _, _, rest = name.partition("/")
    return rest


class Reader:
    """Reads paths from one container (a probe or a real one)."""

    def __init__(self, container_id: str, label: str) -> None:
        # by id through the low-level API: no inspect per reader
        self._id = container_id
        self._label = label

    def _open(
        self, path: str, via: list[str] | None = None, follow: bool = True
    ) -> tuple[Iterator[bytes], dict[str, Any]] | None:
        """The tar stream of ``path`` with symlinks at ``path`` itself followed
        (each link target is appended to ``via``; with ``follow`` False a
        link is reported as missing).

        The engine resolves symlinks in the parent directories but returns a
        final-component symlink as a link (e.g. Debian's /etc/os-release), and
        reports its resolved target in the stat header.
        """
        import docker  # noqa: F401 - the package first (why: devparity.engine.images.build)
        from docker.errors import NotFound

        for _ in range(_MAX_SYMLINK_HOPS):
            with mapped_errors(f"reading {path} from {self._label}"):
                try:
                    bits, stat = client().api.get_archive(self._id, path)
                except NotFound:
                    return None
            target = stat.get("linkTarget") or ""
            if not target:
                return bits, stat
            for _chunk in bits:  # a link's tar is one header; drain it to free the connection
                pass
            if not follow:
                return None
            path = target
            if via is not None:
                via.append(target)
        return None

    def read_file(self, path: str, via: list[str] | None = None) -> bytes | None:
        """The content of one regular file, or None if it is missing or not a
        file; the symlinks followed on the way are appended to ``via``."""
        return self._first_file(self._open(path, via))

    def read_files(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Each path's content, None for the missing ones."""
        return {p: self.read_file(p) for p in paths}

    def walk(
        self, path: str, predicate: Callable[[str], bool], max_size: int | None = None
    ) -> Iterator[tuple[str, bytes]]:
        """Yield (name relative to ``path``, content) for regular files whose
        relative name satisfies ``predicate`` (and, with ``max_size``, no
        larger than that many bytes); nothing if ``path`` is missing.

        The tar is streamed member by member, so a large directory is never held
        in memory. Symlinked members are skipped: they alias a file that is
        (or is not) in the tree already, and a stream cannot seek back to it.
        """
        opened = self._open(path)
        if opened is None:
            return
        bits, _stat = opened
        with tarfile.open(fileobj=_ChunkStream(bits), mode="r|") as tar:
            for member in tar:
                rel = _strip_root(member.name)
                if not rel or not member.isfile() or not predicate(rel):
                    continue
                if max_size is not None and member.size > max_size:
                    continue
                f = tar.extractfile(member)
                if f is not None:
                    yield rel, f.read()

    def read_member(self, path: str) -> bytes | None:
        """The content of ``path`` if it is a regular file itself (a symlink
        is not followed, as ``walk`` skips symlinked members), else None."""
        return self._first_file(self._open(path, follow=False))

    @staticmethod
    def _first_file(opened: tuple[Iterator[bytes], dict[str, Any]] | None) -> bytes | None:
        """The first regular file of an opened archive (the stream is read to
        its end either way, so the engine's connection is left clean)."""
        if opened is None:
            return None
        bits, _stat = opened
        data: bytes | None = None
        with tarfile.open(fileobj=_ChunkStream(bits), mode="r|") as tar:
            for member in tar:
                if data is None and member.isfile():
                    f = tar.extractfile(member)
                    data = f.read() if f else None
        return data

    def list_tree(self, path: str) -> list[str]:
        """Relative paths of every non-directory entry under ``path``, sorted."""
        opened = self._open(path)
        if opened is None:
            return []
        bits, _stat = opened
        names: list[str] = []
        with tarfile.open(fileobj=_ChunkStream(bits), mode="r|") as tar:
            for member in tar:
                rel = _strip_root(member.name)
                if rel and not member.isdir():
                    names.append(rel)
        return sorted(names)


@contextlib.contextmanager
def open_reader(target: Target) -> Iterator[Reader]:
    """A Reader for the target.

    Side effects: for an image, creates a stopped probe container labelled
    ``devparity.role=probe`` (and with a project: the project, the image's
    checkout and a created-token, devparity.identity) and removes it, with
    its anonymous volumes, when the block exits, whatever happens.
    """
    if target.kind == "container":
        yield Reader(target.ref, str(target))  # a missing container fails at the first read
        return
    with mapped_errors(f"creating a probe container for {target}"):
        image = client().images.get(target.ref)
        labels = {LABEL_ROLE: ROLE_PROBE}
        if target.project_name:
            # The image's checkout, and a created-token: a probe left by a
            # killed check is then its checkout's to remove with `down`.
            labels[LABEL_PROJECT] = target.project_name
            labels[LABEL_CHECKOUT] = (image.labels or {}).get(LABEL_CHECKOUT, "")
            labels = identity.stamp(labels)
        probe = client().containers.create(
            image.id, entrypoint=_PROBE_ENTRYPOINT, command=[], labels=labels, network_disabled=True
        )
    try:
        yield Reader(probe.id, str(target))
    finally:
        with mapped_errors(f"removing probe container {probe.short_id}"):
            # v=True: images declaring VOLUME get anonymous volumes at create time.
            probe.remove(force=True, v=True)


def read_files(target: Target, paths: Iterable[str]) -> dict[str, bytes | None]:
    """Each path's content from the target, None for missing paths (see open_reader)."""
    with open_reader(target) as reader:
        return reader.read_files(paths)


def walk_files(target: Target, path: str, predicate: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Stream matching files under ``path`` (see Reader.walk); exhaust or close
    the iterator so an image's probe container is removed promptly."""
    with open_reader(target) as reader:
        yield from reader.walk(path, predicate)


def list_tree(target: Target, path: str) -> list[str]:
    """Relative paths of the files under ``path`` in the target (see open_reader)."""
    with open_reader(target) as reader:
        return reader.list_tree(path)


def container_changes(container_id: str, graph: GraphDriverInfo | None = None) -> list[dict[str, str]]:
    """The container's writable-layer changes, as ``{"path", "kind"}`` with
    kind A (added), C (changed) or D (deleted), sorted by path: read from
    its overlay2 layers when ``graph`` (its inspect's) names layers this
    process can read (devparity.engine.upperdir: the same list, without
    the engine's walk of the whole image), else from the diff API."""
    local = upperdir.read(graph.name, graph.upper_dir, graph.lower_dirs) if graph is not None else None
    if local is not None:
        return sorted(({"path": p, "kind": k} for p, k in local), key=lambda c: c["path"])
    return api_changes(container_id)


def api_changes(container_id: str) -> list[dict[str, str]]:
    """container_changes from the engine's diff API."""
    with mapped_errors(f"listing changes of container {container_id}"):
        raw = client().api.diff(container_id) or []  # no inspect first: one call
    return sorted(
        ({"path": d["Path"], "kind": _DIFF_KINDS.get(d["Kind"], "C")} for d in raw),
        key=lambda c: c["path"],
    )
