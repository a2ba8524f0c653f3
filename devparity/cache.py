"""Where devparity keeps per-user state: caches and the watcher's lock files.

``DEVPARITY_CACHE_DIR`` overrides the location (tests point it at a temp dir).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from devparity.errors import UsageError


def cache_dir(*parts: str) -> Path:
    base = os.environ.get("DEVPARITY_CACHE_DIR")
    if base:
        root = Path(base)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "devparity"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, briefly,
    for every thread); falls back to the set-and-restore dance off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


# .NAME.<pid>.<random>.tmp: the writer's pid tells a live writer's temp file
# from a killed one's. Older devparity wrote .NAME.<random>.tmp.
_LEFTOVER_GRACE_S = 60.0


def _remove_leftovers(path: Path) -> None:
    """Temp files a killed writer of ``path`` left behind."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            middle = entry.name[len(prefix) : -len(".tmp")]
            pid, _, _rand = middle.partition(".")
            if pid.isascii() and pid.isdigit() and _rand:
                stale = not _pid_alive(int(pid))
            else:  # an old-style name: no pid to ask, so go by age
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > _LEFTOVER_GRACE_S
            if stale:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same dir and a rename,
    so a crash or Ctrl-C never leaves a half-written file behind.

    The file gets the mode a plain ``open`` would give it (0666 less the
    umask), or keeps the mode of the file it replaces; mkstemp's 0600 would
    hide a committed devparity.lock from the rest of a team. A directory that
    cannot be written is a UsageError (exit 2) naming the file.
    """
    path = Path(path)
    _remove_leftovers(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}", hint="check the directory's permissions") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}", hint="check free space and permissions") from None
        raise


def canonical_json(data: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"

