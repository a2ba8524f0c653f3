"""Locating the project and loading its config and lock together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devparity import config as config_mod
from devparity.config import Config
from devparity.errors import LockError

if TYPE_CHECKING:
    from devparity.lock import Lock


@dataclass(frozen=True)
class Project:
    config: Config
    lock: Lock | None


def load(
    start: Path | None = None, *, config_path: Path | None = None, strict_lock: bool = True, read_lock: bool = True
) -> Project:
    """``strict_lock=False`` treats a malformed lock as absent: for `devparity
    lock`, which replaces it, and for the lifecycle commands, which never read
    it (a broken lock must not keep `down` from removing containers).
    Otherwise a malformed lock is a LockError. ``read_lock=False`` leaves
    the lock unread (``lock`` None): for `down` and `status`, whose start-up
    should not pay for the lock's modules."""
    path = config_path or config_mod.find_config(start or Path.cwd())
    cfg = config_mod.load(path)
    if not read_lock:
        return Project(cfg, None)
    # Imported here: the lock's modules (its schema, the inputs, the release,
    # the render) are ~5 ms of start-up that `down` and `status` skip.
    from devparity import lock as lock_mod

    try:
        lk = lock_mod.read(cfg)
    except LockError:
        if strict_lock:
            raise
        lk = None
    return Project(cfg, lk)
