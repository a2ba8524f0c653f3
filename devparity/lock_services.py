"""The services section of devparity.lock (issue 8): each service image
pinned as the base is (devparity.pin), the hashes of its settings and its
image's fingerprint; what changed since, for `lock --check` and `check`.
Pure."""

from __future__ import annotations

from typing import Any

from devparity import inputs, lockschema, secrets
from devparity.config import Config
from devparity.config_services import Service
from devparity.lock import Lock
from devparity.pin import BasePin


def service_inputs(service: Service, salt: str) -> dict[str, str]:
    """What the lock records of a service's settings besides its image, as
    hashes sealed with the lock's salt (env values and commands may hold
    secrets, and the lock is committed): `lock --check` names which changed."""
    settings = service.image_inputs()
    return {key: secrets.sealed(inputs.sha256_json(settings[key]), salt) for key in lockschema.SERVICE_INPUTS}


def service_entry(service: Service, pin: BasePin, fingerprint: dict[str, Any] | None, salt: str) -> dict[str, Any]:
    """A service's record in the lock: its pin (as the base's), the hashes of
    its settings and its image's fingerprint."""
    return {
        "ref": pin.ref,
        "digest": pin.digest,
        "source": pin.source,
        "local_only": pin.source != "registry",
        "inputs": service_inputs(service, salt),
        "fingerprint": fingerprint,
    }


def stale_services(config: Config, lock: Lock) -> list[str]:
    """The services added, removed or changed (image, env, data, command)
    since the lock, as short phrases naming each. Pure, no engine."""
    recorded, current = lock.services, {s.name: s for s in config.services}
    changed: list[str] = []
    for name in sorted(set(recorded) | set(current)):
        if name not in current:
            changed.append(f"[services.{name}] (removed from devparity.toml)")
            continue
        if name not in recorded:
            changed.append(f"[services.{name}] (a new service)")
            continue
        entry, service = recorded[name], current[name]
        if entry["ref"] != service.image:
            changed.append(f"[services.{name}].image ({entry['ref']} -> {service.image})")
        now = service_inputs(service, secrets.salt_of(lock))
        changed += [f"[services.{name}].{key}" for key in lockschema.SERVICE_INPUTS if entry["inputs"].get(key) != now[key]]
    return changed

