"""The dev container's supervisor script, shipped as package data.

``supervise.sh`` is bind-mounted read-only into the dev container and wraps
the app's command, so the image stays identical for dev and prod.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from devparity import cache

SCRIPT = "supervise.sh"


def text() -> str:
    return resources.files(__package__).joinpath(SCRIPT).read_text(encoding="utf-8")


def host_path() -> Path:
    """A host file the engine can bind-mount. The packaged file itself when it
    is a real file (source tree, installed wheel); otherwise a copy in the
    cache (e.g. a zipped install)."""
    packaged = resources.files(__package__).joinpath(SCRIPT)
    path = Path(str(packaged))
    if path.is_file():
        return path
    copy = cache.cache_dir("supervisor") / SCRIPT
    body = text()
    if not copy.is_file() or copy.read_text(encoding="utf-8") != body:
        cache.atomic_write_text(copy, body)
        copy.chmod(0o644)
    return copy
