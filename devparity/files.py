"""Reading the project's own files (config, .dockerignore, dependency files)
as untrusted input: regular files only, size-capped, UTF-8 where text is
expected. Every problem is a ConfigError (exit 2) naming the file.

A FIFO or a device must never be opened (a FIFO blocks the open until a
writer comes; /dev/zero never ends), so the type is checked by ``stat``
first, and again on the open descriptor in case the path changed between.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from devparity.errors import ConfigError

MB = 1024 * 1024
TEXT_CAP = 1 * MB  # devparity.toml, .dockerignore
DEPENDENCY_CAP = 10 * MB


def kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _cap_message(path: Path, cap: int) -> str:
    return f"{path} is larger than the {cap // MB} MB cap devparity reads"


def read_bytes(path: Path, *, cap: int, hint: str | None = None) -> bytes:
    """The bytes of the regular file ``path`` (symlinks followed), at most ``cap``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist", hint=hint) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path} is {kind(st.st_mode)}, not a regular file", hint=hint)
    if st.st_size > cap:
        raise ConfigError(_cap_message(path, cap), hint=hint)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path} is {kind(mode)}, not a regular file", hint=hint)
        try:
            data = f.read(cap + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    if len(data) > cap:
        raise ConfigError(_cap_message(path, cap), hint=hint)
    return data


def decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (invalid byte at offset {exc.start})", hint="save it as UTF-8"
        ) from None


def read_text(path: Path, *, cap: int = TEXT_CAP, hint: str | None = None) -> str:
    return decode(read_bytes(path, cap=cap, hint=hint), path)


def inside(root: Path, rel: str, *, what: str) -> Path:
    """``root/rel`` resolved (symlinks followed); it must stay under ``root``."""
    root = root.resolve()
    try:
        path = (root / rel).resolve(strict=True)
    except FileNotFoundError:
        raise ConfigError(f"{what} '{rel}' does not exist in {root}", hint="create it, or remove it from devparity.toml") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        reason = getattr(exc, "strerror", None) or "symlink loop"
        raise ConfigError(f"cannot resolve {what} '{rel}' in {root}: {reason}") from None
    if not path.is_relative_to(root):
        raise ConfigError(
            f"{what} '{rel}' resolves outside the project root {root}",
            hint="dependency files must be files of the project, not symlinks out of it",
        )
    return path
