"""The rules of `check` for backing services (issue 8), pure: each takes
the gathered ``Facts`` and returns findings naming the service (``cache``,
``dev/db``) and the path, package or env name.

``service-pins``: a service tag's registry digest vs its lock pin (skipped
``--offline``). ``services``: a running service container vs the image it
runs: packages installed, files changed outside its data directory and the
temporary paths, env beyond what its config declares and its image sets.
``service-images``: the image a service container runs vs its lock pin,
and dev's vs prod's. ``service-versions``: what its data directory was
created by vs the server its image carries (devparity.drift.service_versions).

A rule returns None when the project has no services: it is not listed.
"""

from __future__ import annotations

from typing import List, Optional, Union

from devparity.drift.container_rule import fold_changes
from devparity.drift.diff import diff
from devparity.drift.filters import is_temporary
from devparity.drift.service_versions import differs
from devparity.drift.findings import Facts, Finding, ServiceContainer, Skipped, comparable, describe, value

Result = Optional[Union[List[Finding], Skipped]]  # typing forms: a runtime alias on Python 3.9


def _short(image: str) -> str:
    return image.removeprefix("sha256:")[:12]


def rule_service_pins(facts: Facts) -> Result:
    if facts.service_pins is None or isinstance(facts.service_pins, Skipped):
        return facts.service_pins
    out: list[Finding] = []
    for p in facts.service_pins:
        subject = f"service {p.service}"
        if p.now is None:
            out.append(Finding(
                "service-pins", "error", "base", subject, p.service,
                f"the registry of {p.ref} cannot be reached, so the digest devparity.lock pins for it was not compared"
                + (f" ({p.unreachable})" if p.unreachable else ""),
                "check the network or the registry, or run `devparity check --offline` to skip the comparison",
                expected=p.locked,
            ))
        elif p.now != p.locked:
            out.append(Finding(
                "service-pins", "error", "base", subject, p.service,
                f"service {p.service}: {p.ref} now resolves to {p.now} in its registry; devparity.lock pins {p.locked}",
                f"review the new image, then run `devparity lock` to adopt it (or push {p.locked} back under the tag)",
                expected=p.locked, actual=p.now,
            ))
    return out


def _running(facts: Facts) -> tuple[ServiceContainer, ...] | Skipped | None:
    if facts.services is None or isinstance(facts.services, Skipped):
        return facts.services
    if not facts.services:
        return Skipped("no service container is running")
    return facts.services


def rule_services(facts: Facts) -> Result:
    running = _running(facts)
    if not isinstance(running, tuple):
        return running
    out: list[Finding] = []
    for c in running:
        out += service_findings(c)
    return out


def service_findings(c: ServiceContainer) -> list[Finding]:
    """One service container against the image it runs."""
    subject, here = f"service {c.label}", f"the {c.label} container"
    recreate = f"recreate it: `devparity down && devparity up {c.role}`"
    out: list[Finding] = []
    changes = diff(comparable(c.image), comparable(c.fingerprint))
    for ch in changes:
        if ch.category in ("package", "os", "runtime"):
            out.append(Finding("services", "error", ch.category, subject, ch.name, describe(ch, "its image", here),
                               f"bake it into the service's image and run `devparity lock`, or {recreate}",
                               ch.ecosystem, ch.a, ch.b))
        elif ch.category == "env":
            message = _env_message(c, ch.name, ch.a, ch.b)
            if message:
                out.append(Finding("services", "error", "env", subject, ch.name, message,
                                   f"declare it in [services.{c.service}].env and run `devparity lock`, or {recreate}",
                                   None, ch.a, ch.b))
    ecosystems = {ch.ecosystem for ch in changes if ch.category == "package" and ch.ecosystem}
    mounts = [str(m.get("destination") or "") for m in c.fingerprint.get("mounts") or []]
    # The data directory is the service's to write, mounted or not; the
    # temporary paths (/tmp, /run, /var/run, ...) are every container's.
    roots = mounts + ([c.data] if c.data else [])
    kept = [ch for ch in c.fingerprint.get("changes") or [] if not is_temporary(str(ch["path"]), roots)]
    for path, kind in fold_changes(kept, mounts, None, ecosystems):
        word = {"A": "added", "C": "changed", "D": "deleted"}.get(kind, kind)
        out.append(Finding(
            "services", "error", "file", subject, path,
            f"{path} was {word} in {here} after it started, outside its data directory (its image does not have this change)",
            f"bake the change into the service's image (or its [services.{c.service}] settings), or {recreate}",
        ))
    return out


def _env_message(c: ServiceContainer, name: str, image: object, now: object) -> str | None:
    """None when the config declares it with this value (values are masked
    alike on both sides: check masks the declared env with the lock's salt)."""
    here = f"the {c.label} container"
    if name in c.declared_env:
        declared = c.declared_env[name]
        if now == declared:
            return None
        return f"env {name} is {value(now)} in {here}, but [services.{c.service}].env declares {value(declared)}"
    if now is None:
        return f"env {name} of its image is unset in {here}"
    if image is None:
        return f"env {name} is set in {here}, but neither its image nor [services.{c.service}].env sets it"
    return f"env {name} is {value(now)} in {here}, {value(image)} in its image (not declared in [services.{c.service}].env)"


def rule_service_images(facts: Facts) -> Result:
    running = _running(facts)
    if not isinstance(running, tuple):
        return running
    out: list[Finding] = []
    by_service: dict[str, dict[str, ServiceContainer]] = {}
    for c in running:
        by_service.setdefault(c.service, {})[c.role] = c
        runs = str(c.fingerprint.get("image_id") or "")
        if c.locked_image and runs != c.locked_image:
            out.append(Finding(
                "service-images", "error", "image", f"service {c.label}", c.service,
                f"service {c.label} runs image {_short(runs)}, but devparity.lock pins {_short(c.locked_image)}",
                f"restart it from the pin: `devparity down && devparity up {c.role}`",
                expected=c.locked_image, actual=runs,
            ))
    for name, roles in sorted(by_service.items()):
        dev, prod = roles.get("dev"), roles.get("prod")
        if dev and prod and dev.fingerprint.get("image_id") != prod.fingerprint.get("image_id"):
            a, b = str(dev.fingerprint.get("image_id")), str(prod.fingerprint.get("image_id"))
            out.append(Finding(
                "service-images", "error", "image", f"service {name}", name,
                f"service {name} runs image {_short(a)} in dev but {_short(b)} in prod",
                "restart both from the pin: `devparity down && devparity up all`",
                expected=b, actual=a,
            ))
    return out


def rule_service_versions(facts: Facts) -> Result:
    running = _running(facts)
    if not isinstance(running, tuple):
        return running
    read = [c for c in running if c.version is not None]
    if not read:
        return Skipped("no running service reports a version devparity can read (Postgres does)")
    out: list[Finding] = []
    for c in read:
        v = c.version
        assert v is not None
        if not differs(v.image, v.data):
            continue
        out.append(Finding(
            "service-versions", "error", "version", f"service {c.label}", v.path,
            f"the data directory {v.data_dir} of {c.label} was created by {v.server} {v.data}; its image runs {v.server} {v.image}",
            f"dump and restore the data into a fresh volume (`devparity down --volumes` drops it), "
            f"or pin the image of {v.server} {v.data} in [services.{c.service}].image",
            expected=v.image, actual=v.data,
        ))
    return out
