"""Watching the project on the host with watchfiles (issue 3).

A filter drops what never matters (VCS dirs, dependency dirs, caches,
bytecode, editor swap files, ``[dev].ignore``); a batch of changes is
classified as ``source`` (reload the app) or ``rebuild`` (a dependency file,
devparity.toml or devparity.lock changed: new image, new container).
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devparity import runtimes
from devparity.errors import UsageError

IGNORE_DIRS = frozenset(
    {".git", ".hg", ".svn", ".idea", ".vscode", ".devparity", *runtimes.generated_dirs()}
)  # fmt: skip
# Bytecode and the files editors write beside the real one while saving.
IGNORE_NAMES = (
    "*.py[cod]", "*.sw[a-p]", "*.swp", "*~", ".#*", "#*#", "4913", ".DS_Store", "*.tmp", "*.___jb_???___",
)  # fmt: skip
REBUILD_FILES = ("devparity.toml", "devparity.lock")


def matches(rel: str, pattern: str) -> bool:
    """Does the project-relative path ``rel`` match an ignore ``pattern``?

    Without a slash (``tmp``, ``*.log``, ``build/``) a pattern matches any
    path component, so everything under a matching directory too; with one
    (``data/raw``, ``docs/*.md``) it matches the path from the root or one of
    its parent directories. A leading ``**/`` means "at any depth"."""
    parts = rel.split("/")
    pat = pattern.strip().strip("/")
    while pat.startswith("**/"):
        pat = pat[3:]
    if not pat:
        return False
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)] if "/" in pat else parts
    return any(fnmatch.fnmatchcase(c, pat) for c in candidates)


class SourceFilter:
    """watchfiles filter: True for a path whose change should count. Paths are
    judged relative to the project root, so a root that itself lives under,
    say, a runtime's dependency dir still works."""

    def __init__(self, root: Path, ignore: Sequence[str] = ()) -> None:
        self.root = str(root).rstrip(os.sep) + os.sep
        self.ignore = tuple(ignore)

    def relative(self, path: str) -> str:
        return path[len(self.root) :] if path.startswith(self.root) else path.lstrip(os.sep)

    def counts_dir(self, path: str) -> bool:
        """Whether anything under directory ``path`` can count (else it needs no watch)."""
        rel = self.relative(path).replace(os.sep, "/")
        if any(p in IGNORE_DIRS for p in rel.split("/")):
            return False
        return not any(matches(rel, p) for p in self.ignore)

    def __call__(self, change: Any, path: str) -> bool:
        rel = self.relative(path).replace(os.sep, "/")
        parts = rel.split("/")
        if any(p in IGNORE_DIRS for p in parts):
            return False
        if any(fnmatch.fnmatchcase(parts[-1], n) for n in IGNORE_NAMES):
            return False
        return not any(matches(rel, p) for p in self.ignore)


def classify(rel_paths: Iterable[str], dep_files: Iterable[str]) -> str:
    """``rebuild`` when a batch touches a dependency file or devparity's own
    files, else ``source``."""
    rebuild = {*REBUILD_FILES, *(f.lstrip("./") for f in dep_files)}
    return "rebuild" if any(p in rebuild for p in rel_paths) else "source"


@dataclass(frozen=True)
class Batch:
    kind: str  # "source" or "rebuild"
    paths: tuple[str, ...]  # project-relative, sorted
    at: float  # time.monotonic() when the batch was complete


def timing(debounce_ms: int) -> tuple[int, int]:
    """watchfiles' (step_ms, debounce_ms) for a ``[dev].debounce_ms`` quiet
    window. watchfiles returns a batch once a step passes without a new
    change, i.e. 1-2 steps after the last one; half the window keeps the
    wait close to the configured figure. Its own "debounce" is the cap on
    how long one batch may keep growing."""
    return max(5, debounce_ms // 2), max(1600, debounce_ms * 4)


class Watcher:
    """Watches ``root`` in a thread and calls ``on_batch`` for each batch
    that survives the filter. ``on_batch`` runs on the watcher's thread."""

    def __init__(
        self,
        root: Path,
        *,
        on_batch: Callable[[Batch], None],
        ignore: Sequence[str] = (),
        dep_files: Sequence[str] = (),
        debounce_ms: int = 50,
    ) -> None:
        self.root = root
        self.on_batch = on_batch
        self.filter = SourceFilter(root, ignore)
        self.dep_files = tuple(dep_files)
        self.step_ms, self.max_ms = timing(debounce_ms)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def configure(self, *, ignore: Sequence[str], dep_files: Sequence[str], debounce_ms: int | None = None) -> None:
        """New rules after a config change; they apply from the next batch."""
        self.filter = SourceFilter(self.root, ignore)
        self.dep_files = tuple(dep_files)
        if debounce_ms is not None:
            self.step_ms, self.max_ms = timing(debounce_ms)

    def start(self, timeout: float = 30.0) -> float:
        """Start watching; returns once every directory is watched (seconds taken)."""
        started = time.monotonic()
        if not self.root.is_dir():  # RustNotify ignores a missing root when told to skip unreadable dirs
            raise UsageError(f"cannot watch {self.root}: not a directory")
        self._thread = threading.Thread(target=self._run, name="devparity-watch", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self._error:
            raise self._error
        return time.monotonic() - started

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _open(self) -> tuple[Any, set[str]]:
        """A notifier over every directory that can hold a counting change.

        Each directory gets its own non-recursive watch and ignored trees
        (dependency dirs, .git, [dev].ignore) none: a recursive watch would put
        an inotify watch on every directory under the root, ignored or not,
        and a large dependency dir alone can exhaust the kernel's limit (8,192
        by default before Linux 5.11). RustNotify rather than
        watchfiles.watch(): its constructor returns once everything is
        watched, which is the readiness `start` reports."""
        # Imported here for start-up: watchfiles' native extension is loaded
        # only by a session that watches (not by `up --detach`, `check`, ...).
        from watchfiles._rust_notify import RustNotify

        dirs = watched_dirs(self.root, self.filter)
        return RustNotify(dirs, False, False, 300, False, True), set(dirs)

    def _run(self) -> None:
        try:
            notify, watched = self._open()
        except (OSError, RuntimeError) as exc:
            self._error = UsageError(
                f"cannot watch {self.root}: {exc}",
                hint="raise fs.inotify.max_user_watches, or add large directories to [dev].ignore",
            )
            self._ready.set()
            return
        self._ready.set()
        try:
            while not self._stop.is_set():
                raw = notify.watch(self.max_ms, self.step_ms, 0, self._stop)
                if not isinstance(raw, set):
                    continue  # "stop", "timeout" or "signal" (the latter only in the main thread)
                flt = self.filter
                if any(p not in watched and os.path.isdir(p) and flt.counts_dir(p) for _, p in raw):
                    notify, watched = self._reopen(notify, watched)
                rel = sorted({flt.relative(p).replace(os.sep, "/") for c, p in raw if flt(c, p)})
                if rel:
                    self.on_batch(Batch(classify(rel, self.dep_files), tuple(rel), time.monotonic()))
        finally:
            notify.close()

    def _reopen(self, notify: Any, watched: set[str]) -> tuple[Any, set[str]]:
        """A new directory appeared: watch the tree as it is now. The old
        notifier stays if the new one cannot be made (say, the directory
        vanished while it was being walked); the next batch tries again."""
        try:
            fresh = self._open()
        except (OSError, RuntimeError):
            return notify, watched
        notify.close()
        return fresh


def watched_dirs(root: Path, flt: SourceFilter) -> list[str]:
    """The root and every directory below it that ``flt`` does not ignore;
    ignored trees are not descended into."""
    out = [str(root)]
    for dirpath, dirnames, _files in os.walk(root):
        dirnames[:] = [d for d in dirnames if flt.counts_dir(os.path.join(dirpath, d))]
        out += [os.path.join(dirpath, d) for d in dirnames]
    return out


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (the caller winds down); a second one
    raises KeyboardInterrupt. The previous handlers come back on exit."""

    def handler(signum: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
