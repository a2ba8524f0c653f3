"""Named volumes: the dev container's build caches (runtimes.plugin.DevVolume).

Created with the checkout's labels before the container that mounts them,
so `prune` finds them by label; the engine would create them unlabelled."""

from __future__ import annotations

from collections.abc import Mapping

from devparity import labels
from devparity.engine import api, client, mapped_errors
from devparity.errors import Conflict


def ensure(name: str, owner: Mapping[str, str]) -> None:
    """Create volume ``name`` labelled with ``owner``'s project and checkout;
    an existing one is kept as it is (the engine answers with it)."""
    keep = {k: v for k, v in owner.items() if k in (labels.PROJECT, labels.CHECKOUT)}
    with mapped_errors(f"create volume {name}"):
        client().api.create_volume(name=name, labels=keep)


def by_labels(wanted: Mapping[str, str]) -> list[str]:
    """Names of the volumes carrying every label in ``wanted``."""
    with mapped_errors("list volumes"):
        found = api().volumes(filters={"label": [f"{k}={v}" for k, v in wanted.items()]})
    return sorted(str(v["Name"]) for v in (found or {}).get("Volumes") or [])


def remove(name: str) -> bool:
    """Remove a volume; False when a container still uses it."""
    try:
        with mapped_errors(f"remove volume {name}"):
            api().remove_volume(name)
    except Conflict:
        return False
    return True
