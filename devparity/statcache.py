"""A stat cache for source hashing, the way git's index works: a file whose
(size, mtime, ctime, inode, mode) is what it was when it was last hashed keeps that
hash, so a no-op `build` reads no file (issue 10: 100,000 source files).

One cache file per project root in ``cache_dir("source-hash")``, written
atomically and only when an entry changed. A file modified within
``RACY_NS`` before the cache is written could change again within the same
mtime tick without its stat changing ("racy git"): it is not recorded, so
it is hashed again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from devparity.cache import cache_dir
from devparity.errors import UsageError

VERSION = "devparity-statcache-2"
RACY_NS = 2_000_000_000
_SEP = "\0"  # the one byte a path cannot hold


def stat_key(st: os.stat_result) -> str:
    # ctime too: a write or chmod always sets it, and unlike the mtime no
    # one can set it back (`touch -r`, an archive restore), so an edit that
    # keeps the size and restores the mtime is still seen.
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_mode}"


class StatCache:
    """rel path -> "<stat key>/<content hash>", loaded from and saved to ``path``
    (one string per entry: loading 100,000 of them is one split)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: nowhere to keep it (never loaded, never saved)
        self.entries: dict[str, str] = {}
        self.seen: dict[str, str] = {}
        self.dirty = False
        self._racy_before = time.time_ns() - RACY_NS
        if path is None:
            return
        with contextlib.suppress(OSError, UnicodeDecodeError, ValueError):
            fields = path.read_bytes().decode("utf-8", "surrogateescape").split(_SEP)
            if fields[0] == VERSION and len(fields) % 2 == 1:
                self.entries = dict(zip(fields[1::2], fields[2::2]))

    def get(self, rel: str, key: str) -> str | None:
        hit = self.entries.get(rel)
        if hit is None or not hit.startswith(key) or hit[len(key) : len(key) + 1] != "/":
            return None
        self.seen[rel] = hit
        return hit[len(key) + 1 :]

    def put(self, rel: str, key: str, digest: str, mtime_ns: int) -> None:
        self.dirty = True
        # racy: modified too recently to trust its stat next time (see module doc)
        if mtime_ns < self._racy_before:
            self.seen[rel] = f"{key}/{digest}"

    def save(self) -> None:
        """Write the entries seen this time (removed files drop out); a cache
        that cannot be written only costs the next run its reads."""
        if self.path is None or (not self.dirty and len(self.seen) == len(self.entries)):
            return
        parts = [VERSION]
        for rel, value in self.seen.items():
            parts += (rel, value)
        data = _SEP.join(parts).encode("utf-8", "surrogateescape")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            try:
                tmp.write_bytes(data)
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()


def for_root(root: Path) -> StatCache:
    """The cache of the project at ``root`` (an unusable cache dir: an empty
    cache that is never saved)."""
    name = hashlib.sha256(os.fsencode(Path(root).resolve())).hexdigest()[:24]
    try:
        return StatCache(cache_dir("source-hash") / name)
    except (OSError, UsageError):
        return StatCache(None)
