"""The inputs an image is built from, hashed. Pure: reads project files only.

Environment inputs (config's image part, dependency files, template, base
pin) are what the lock records; a change there means a new environment.
The source tree is hashed separately: it changes the prod image but never
makes the lock stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devparity import files, render, statcache
from devparity.config import Config
from devparity.errors import ConfigError


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_json(data: Any) -> str:
    return sha256_bytes(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


@dataclass(frozen=True)
class Inputs:
    config: str
    template: str
    files: dict[str, str]
    base_ref: str
    base_digest: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "template": self.template,
            "files": dict(sorted(self.files.items())),
            "base": {"ref": self.base_ref, "digest": self.base_digest},
        }

    @property
    def hash(self) -> str:
        return sha256_json(self.as_dict())


def dependency_hashes(config: Config) -> dict[str, str]:
    """Each dependency file's hash. The file must resolve inside the project
    and be a regular file under the size cap: a symlink to /etc/passwd, a
    FIFO or /dev/zero is an error (exit 2), never read."""
    out = {}
    for name in config.dep_files:
        path = files.inside(config.root, name, what="dependency file")
        out[name] = sha256_bytes(
            files.read_bytes(path, cap=files.DEPENDENCY_CAP, hint="dependencies.files must name regular files of the project")
        )
    return out


def compute(config: Config, base_digest: str | None, *, template: str | None = None) -> Inputs:
    """``template``: the runtime's template text, when the caller read it."""
    return Inputs(
        config=sha256_json(config.image_inputs()),
        template=render.template_hash(config.language, template),
        files=dependency_hashes(config),
        base_ref=render.base_image(config),
        base_digest=base_digest,
    )


def source_hash(root: Path, files: list[str], *, use_cache: bool = True) -> str:
    """Hash of the build context's files (names, executable bits, contents).
    A file whose stat matches devparity.statcache's record is not read
    again (``use_cache=False``: read everything, record nothing)."""
    cache = statcache.for_root(root) if use_cache else None
    records: list[str] = []
    prefix = os.fspath(root).rstrip("/") + "/"
    for rel in files:
        path = prefix + rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:  # gone since the listing
            continue
        except OSError as exc:
            raise _unreadable(path, exc) from None
        if stat.S_ISLNK(st.st_mode):
            records.append(f"L{rel}\0{os.readlink(path)}\0")
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        key = statcache.stat_key(st)
        digest = cache.get(rel, key) if cache else None
        if digest is None:
            digest = _file_hash(path)
            if cache:
                cache.put(rel, key, digest, st.st_mtime_ns)
        records.append(f"F{rel}\0{st.st_mode & 0o111}\0{digest}\0")
    if cache:
        cache.save()
    return "sha256:" + hashlib.sha256("".join(records).encode("utf-8", "surrogateescape")).hexdigest()


def _file_hash(path: str) -> str:
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return h.hexdigest()


def _unreadable(path: str, exc: OSError) -> ConfigError:
    # a project file, not the engine: exit 2 naming it
    return ConfigError(
        f"cannot read {path}: {exc.strerror or exc}",
        hint="fix its permissions, or leave it out of the image in .dockerignore",
    )
