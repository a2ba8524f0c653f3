"""Networks (issue 8): one per role, shared by the app, its processes and
its services, so the app reaches a service by name. Created with the
checkout's labels, so `down` finds them by label, never by name alone."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from devparity import labels
from devparity.engine import api, client, mapped_errors
from devparity.engine.models import NetworkInfo
from devparity.errors import Conflict, NotFound


def _owner(owner: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in owner.items() if k in (labels.PROJECT, labels.CHECKOUT)}


def find(name: str) -> NetworkInfo | None:
    """The network named ``name`` (exactly), or None."""
    try:
        with mapped_errors(f"inspect network {name}"):
            doc = api().inspect_network(name)
    except NotFound:
        return None
    info = NetworkInfo.parse(doc)
    # the engine also answers an id prefix or another network's id
    return info if info.name == name else None


def ensure(name: str, owner: Mapping[str, str]) -> NetworkInfo:
    """Network ``name`` labelled with ``owner``'s project and checkout: the
    existing one when it carries them, else a new bridge network. Raises
    Conflict when the name belongs to something else (another checkout's,
    another tool's): devparity never joins or removes a stranger's network."""
    keep = _owner(owner)
    found = find(name)
    if found is None:
        try:
            with mapped_errors(f"create network {name}"):
                client().api.create_network(name, driver="bridge", labels=keep, check_duplicate=True)
        except Conflict:  # created meanwhile (a concurrent `up` of the other role's processes)
            pass
        found = find(name)
    if found is None or any(found.labels.get(k) != v for k, v in keep.items()):
        raise Conflict(
            f"a network named {name} already exists and is not this checkout's",
            hint=f"if nothing needs it, remove it with `docker network rm {name}`",
        )
    return found


def by_labels(wanted: Mapping[str, str]) -> list[NetworkInfo]:
    """The networks carrying every label in ``wanted``."""
    with mapped_errors("list networks"):
        found = api().networks(filters={"label": [f"{k}={v}" for k, v in wanted.items()]})
    return sorted((NetworkInfo.parse(n) for n in found or ()), key=lambda n: n.name)


def remove(network_id: str) -> bool:
    """Remove a network; gone already is fine. False when a container still
    uses it (the engine's refusal is the safety check)."""
    try:
        with mapped_errors(f"remove network {network_id[:12]}"):
            api().remove_network(network_id)
    except NotFound:
        return True
    except Conflict:
        return False
    return True


def remove_unused(wanted: Mapping[str, str], names: Collection[str] | None = None) -> list[str]:
    """Remove the networks carrying every label in ``wanted`` (of ``names``,
    or all) that no container uses any more; one still in use stays.
    Returns the removed networks' names."""
    return [n.name for n in by_labels(wanted) if (names is None or n.name in names) and remove(n.id)]
