"""A container's files as its image's recorded reads plus its own changes.

Reading every package tree of a running container costs one archive call
per root and streams whole trees (seconds for a 600 MB image), although
almost all of it is the image's, unchanged. A container's filesystem is its
image plus the writable layer that the engine's changes API (``docker
diff``) lists, plus its mounts. So:

- ``Recorder`` wraps the reader of an image's fingerprint scan and keeps
  what it read: each file read (content, and the symlinks followed to it)
  and each tree walked (every regular file's name, and the content of the
  ones the predicate took). It is saved by image id: images never change.
- ``Overlay`` answers the same reads for a container from that record,
  and reads through the archive API only what the container's changes
  touch (a pip-installed package's ``.dist-info``, a rewritten dpkg status),
  what lies under one of its mounts, and what the record lacks.

The fact gathering (``sources.collect``) runs unchanged on either, so a
container's fingerprint equals a full read of its files; only the number of
archive calls differs. Pure apart from the live reader it is handed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

RECORD_VERSION = 1
# A file bigger than this is not kept in the record (a binary a runtime reads
# for its build info): the overlay reads it from the container instead.
MAX_RECORDED = 4 * 1024 * 1024
# Debian bookworm merges /bin, /lib, /sbin into /usr: a read of /lib/x
# resolves to /usr/lib/x, which is the path the changes API reports.
_MERGED_USR = ("/bin", "/lib", "/lib64", "/sbin")


class Files(Protocol):
    """What a fingerprint scan reads through (devparity.engine.archive.Reader)."""

    def read_file(self, path: str, via: list[str] | None = None) -> bytes | None: ...

    def read_files(self, paths: Iterable[str]) -> dict[str, bytes | None]: ...

    def walk(
        self, path: str, predicate: Callable[[str], bool], max_size: int | None = None
    ) -> Iterator[tuple[str, bytes]]: ...


class LiveFiles(Files, Protocol):
    def read_member(self, path: str) -> bytes | None: ...


def _enc(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _dec(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _order(rel: str) -> list[str]:
    # the engine's tar walks each directory in name order
    return rel.split("/")


class Recorder:
    """A reader that keeps what it read, for ``Overlay`` (see the module doc)."""

    def __init__(self, reader: Files) -> None:
        self._reader = reader
        self.files: dict[str, dict[str, Any]] = {}
        self.walks: dict[str, dict[str, Any]] = {}

    def read_file(self, path: str, via: list[str] | None = None) -> bytes | None:
        chain: list[str] = []
        data = self._reader.read_file(path, chain)
        if via is not None:
            via += chain
        big = data is not None and len(data) > MAX_RECORDED
        self.files[path] = {"via": chain, "data": None if big else _enc(data), "live": big}
        return data

    def read_files(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {p: self.read_file(p) for p in paths}

    def walk(
        self, path: str, predicate: Callable[[str], bool], max_size: int | None = None
    ) -> Iterator[tuple[str, bytes]]:
        entry = self.walks.setdefault(path, {"names": [], "data": {}, "complete": False})
        names: list[str] = []

        def seen(rel: str) -> bool:
            names.append(rel)
            return predicate(rel)

        for rel, data in self._reader.walk(path, seen):
            if len(data) <= MAX_RECORDED:
                entry["data"][rel] = _enc(data)
            if max_size is None or len(data) <= max_size:
                yield rel, data
        entry["names"] = sorted(set(entry["names"]) | set(names), key=_order)
        entry["complete"] = True  # a walk left half-way records nothing usable

    def record(self, image_id: str) -> dict[str, Any]:
        walks = {root: w for root, w in self.walks.items() if w["complete"]}
        return {"version": RECORD_VERSION, "image_id": image_id, "files": self.files, "walks": walks}


class Changes:
    """A container's writable-layer changes, for "is this path still the
    image's?" questions."""

    def __init__(self, changes: Iterable[Mapping[str, str]], mounts: Iterable[str]) -> None:
        self.kinds = {str(c["path"]).rstrip("/") or "/": str(c["kind"]) for c in changes}
        self.mounts = [m.rstrip("/") or "/" for m in mounts if m]

    def touched(self, path: str) -> bool:
        """Whether ``path`` may differ from the image: it changed, or a
        directory above it was added or deleted (then what is below is
        listed, or gone), or a mount covers it."""
        for p in _aliases(path):
            if p in self.kinds or self.mounted(p):
                return True
            parent = p
            while parent not in ("", "/"):
                parent = parent.rsplit("/", 1)[0] or "/"
                if self.kinds.get(parent) in ("A", "D"):
                    return True
        return False

    def mounted(self, path: str) -> bool:
        return any(path == m or path.startswith(m.rstrip("/") + "/") for m in self.mounts)

    def covers_mount(self, root: str) -> bool:
        """A mount at or below ``root``: the changes API does not see into it."""
        base = root.rstrip("/")
        return any(m == base or m.startswith(base + "/") or base == "" for m in self.mounts)

    def gone(self, path: str) -> bool:
        """Whether ``path`` was deleted: it, or a directory above it, is
        listed as deleted, and it was not added again."""
        for p in _aliases(path):
            kind = self.kinds.get(p)
            if kind is not None:
                return kind == "D"
            parent = p
            while parent not in ("", "/"):
                parent = parent.rsplit("/", 1)[0] or "/"
                if self.kinds.get(parent) == "D":
                    return True
        return False

    def under(self, root: str) -> dict[str, str]:
        """Paths listed strictly below ``root``: relative name -> kind."""
        base = root.rstrip("/") + "/"
        out = {}
        for p, kind in self.kinds.items():
            for alias in _aliases(p):
                if alias.startswith(base):
                    out[alias[len(base) :]] = kind
        return out


def _aliases(path: str) -> list[str]:
    out = [path]
    for short in _MERGED_USR:
        if path == short or path.startswith(short + "/"):
            out.append("/usr" + path)
        elif path.startswith("/usr" + short + "/") or path == "/usr" + short:
            out.append(path[4:])
    return out


class Overlay:
    """A container's files: the image's recorded reads where the container
    left them alone, the container's own where it did not."""

    def __init__(self, record: Mapping[str, Any], live: LiveFiles, changes: Changes) -> None:
        self._files: Mapping[str, Any] = record.get("files") or {}
        self._walks: Mapping[str, Any] = record.get("walks") or {}
        self._live = live
        self._changes = changes

    def read_file(self, path: str, via: list[str] | None = None) -> bytes | None:
        entry = self._files.get(path)
        if entry is None or entry.get("live") or any(self._changes.touched(p) for p in (path, *entry["via"])):
            return self._live.read_file(path, via)
        if via is not None:
            via += entry["via"]
        return _dec(entry["data"])

    def read_files(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {p: self.read_file(p) for p in paths}

    def walk(
        self, path: str, predicate: Callable[[str], bool], max_size: int | None = None
    ) -> Iterator[tuple[str, bytes]]:
        entry = self._walks.get(path)
        root = path.rstrip("/") or "/"
        if entry is None or self._changes.touched(root) or self._changes.covers_mount(root):
            yield from self._live.walk(path, predicate, max_size)
            return
        recorded: Mapping[str, str | None] = entry["data"]
        base = root.rstrip("/") + "/"
        listed = self._changes.under(root)
        if listed:
            parents = {rel.rsplit("/", 1)[0] for rel in listed if "/" in rel}  # a listed parent is a directory
            # Only a deletion below the root can take a recorded name away
            # (one at or above it sent the walk live): most changes delete
            # nothing, and a heavy image's tree is tens of thousands of names.
            deleted = "D" in listed.values()
            names = {rel for rel in entry["names"] if not (deleted and self._changes.gone(base + rel))}
            names |= {rel for rel, kind in listed.items() if kind != "D" and rel not in parents}
            ordered: Iterable[str] = sorted(names, key=_order)
        else:
            ordered = entry["names"]  # the record keeps them in _order
        for rel in ordered:
            if not predicate(rel):
                continue
            kept = recorded.get(rel)
            if kept is not None and not self._changes.touched(base + rel):
                data: bytes | None = _dec(kept)
            else:
                data = self._live.read_member(base + rel)
            if data is None or (max_size is not None and len(data) > max_size):
                continue
            yield rel, data
