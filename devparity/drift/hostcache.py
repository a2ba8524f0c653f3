"""The host runtime probe's answer (``python3 --version``), kept between
checks: asking costs a process start each time (70 ms through a pyenv shim
on an idle machine, several hundred under load), often the last thing a
`check` with nothing running waits for (issue 10).

The answer is kept under a key of everything it can depend on, so that a
changed answer is never served from the cache:

- the argv, and the executable it runs (its real path, size, mtime, inode);
- the environment and the working directory: a shim (pyenv, asdf, mise) or
  a wrapper (go's GOTOOLCHAIN switch) picks the real runtime from them;
- the files version managers read: ``VERSION_FILES`` in the working
  directory and each directory above it and in the home directory, and the
  managers' global files (``GLOBAL_FILES``), each by size, mtime and inode,
  or absent.

One file per command name in ``cache_dir("host-probe")`` holds the last key
and its answer; an unusable cache dir means no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from devparity.cache import atomic_write_text, cache_dir
from devparity.errors import UsageError

VERSION = 1
VERSION_FILES = (
    ".python-version",
    ".tool-versions",
    "mise.toml",
    ".mise.toml",
    "mise.local.toml",
    ".mise.local.toml",
    ".config/mise.toml",
    ".nvmrc",
    ".node-version",
    ".go-version",
    "go.mod",
    "go.work",
)


def _global_files() -> list[str]:
    home = Path.home()
    pyenv = os.environ.get("PYENV_ROOT") or str(home / ".pyenv")
    goenv = os.environ.get("GOENV_ROOT") or str(home / ".goenv")
    config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return [f"{pyenv}/version", f"{goenv}/version", f"{config}/mise/config.toml", f"{config}/mise/config.local.toml"]


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def key(argv: tuple[str, ...], executable: str) -> str:
    """The cache key of running ``argv`` (``executable``: argv[0] as found
    on PATH) here and now; see the module doc for what goes in."""
    real = os.path.realpath(executable)
    cwd = os.getcwd()
    dirs = [cwd]
    while (parent := os.path.dirname(dirs[-1])) != dirs[-1]:
        dirs.append(parent)
    home = str(Path.home())
    if home not in dirs:
        dirs.append(home)
    parts = [
        f"v{VERSION}",
        json.dumps(list(argv)),
        executable,
        real,
        _stat(real),
        cwd,
        json.dumps(sorted(os.environ.items())),
        *(f"{d}/{name}={_stat(os.path.join(d, name))}" for d in dirs for name in VERSION_FILES),
        *(f"{path}={_stat(path)}" for path in _global_files()),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _path(name: str) -> Path | None:
    try:
        return cache_dir("host-probe") / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.json"
    except (OSError, UsageError):
        return None


def read(name: str, probe_key: str) -> tuple[str, int] | None:
    """The kept (output, exit code) of command ``name`` under ``probe_key``; None on a miss."""
    path = _path(name)
    if path is None:
        return None
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["key"] == probe_key and isinstance(doc["output"], str) and isinstance(doc["code"], int):
            return doc["output"], doc["code"]
    return None


def write(name: str, probe_key: str, output: str, code: int) -> None:
    """Keep the answer (a cache that cannot be written costs the next probe)."""
    path = _path(name)
    if path is not None:
        with contextlib.suppress(OSError):
            atomic_write_text(path, json.dumps({"key": probe_key, "output": output, "code": code}))
