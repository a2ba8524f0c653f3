"""Fingerprint dicts for tests that need one without an engine (rules,
diff, snapshots, locks): a complete image fingerprint of the shape
devparity.drift.fingerprint produces, with any top-level key replaced."""

from __future__ import annotations

import copy
from typing import Any

IMAGE_ID = "sha256:" + "a" * 64

_IMAGE: dict[str, Any] = {
    "schema": 1,
    "kind": "image",
    "ref": "devparity/app:test",
    "image_id": IMAGE_ID,
    "os": {"id": "debian", "version_id": "12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
    "runtimes": {"python": "3.11.9"},
    "packages": {"dpkg": {"bash": "5.2.15"}, "pip": {}},
    "config": {
        "user": "",
        "workdir": "/app",
        "entrypoint": None,
        "cmd": ["python", "app.py"],
        "exposed_ports": ["8000/tcp"],
        "env": {},
    },
    "base": None,
}
# What a container's fingerprint adds to its image's.
_CONTAINER_EXTRA: dict[str, Any] = {"changes": [], "hidden_paths": [], "mounts": []}


def fingerprint(*, drop: tuple[str, ...] = (), **over: Any) -> dict[str, Any]:
    """A fresh fingerprint: the image one above, ``over`` replacing top-level
    keys, ``drop`` removing some. ``kind="container"`` adds the container's
    keys (changes, hidden_paths, mounts); ``config_over`` updates config."""
    fp = copy.deepcopy(_IMAGE)
    if over.get("kind") == "container":
        fp.update(copy.deepcopy(_CONTAINER_EXTRA))
    config_over = over.pop("config_over", None)
    fp.update(copy.deepcopy(over))
    if config_over:
        fp["config"].update(config_over)
    for key in drop:
        fp.pop(key, None)
    return fp
