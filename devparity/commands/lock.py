"""`devparity lock` (pin and record) and `devparity lock --check` (no engine)."""

from __future__ import annotations

from typing import Any

from devparity import builder, lock, lock_services, pin, plan, render, secrets, ui
from devparity.config_services import Service
from devparity.drift import fingerprint
from devparity.imageref import pinned
from devparity.errors import EXIT_DRIFT, EXIT_OK
from devparity.project import Project

# Machine-specific fields of a fingerprint that a committed lock must not carry.
_VOLATILE = ("image_id", "ref", "kind")


def check(project: Project) -> int:
    cfg = project.config
    if project.lock is None:
        ui.error(f"{lock.path_for(cfg)} does not exist (fix: `devparity lock`)")
        return EXIT_DRIFT
    edited = lock.disagreements(cfg, project.lock)
    if edited:
        ui.error(str(lock.edited(edited)))
        return EXIT_DRIFT
    changed = lock.stale_inputs(cfg, project.lock, plan.for_project(project).inputs)
    changed += lock_services.stale_services(cfg, project.lock)
    if changed:
        ui.error(f"devparity.lock is stale: changed since it was written: {', '.join(changed)} (fix: `devparity lock`)")
        return EXIT_DRIFT
    ui.ok("devparity.lock is up to date")
    return EXIT_OK


def write(project: Project) -> int:
    """``project.lock`` is the previous lock (None when there is none or it
    is unreadable: `devparity lock` is how a broken lock is replaced)."""
    cfg = project.config
    ref = render.base_image(cfg)
    ui.info(f"resolving {ref}")
    base_pin = pin.resolve(ref)
    if base_pin.note:
        ui.note(base_pin.note)
    # The lock keeps its salt; a new lock gets a fresh one. The fingerprint
    # it records is masked with that salt, as check's will be.
    salt = secrets.salt_for_write(project.lock)
    # A registry pin builds FROM repo@digest; a local-only one from the tag.
    p = plan.make(cfg, base_pin.digest if base_pin.source == "registry" else None)
    result = builder.ensure(p, salt=salt, with_source=False, on_line=ui.progress)
    fp = fingerprint.fingerprint_image(result.id, project=cfg.name, salt=salt)
    fp = {k: v for k, v in fp.items() if k not in _VOLATILE}
    fp["base"] = {"ref": base_pin.ref, "digest": base_pin.digest}
    runtime_in_image = (fp.get("runtimes") or {}).get(cfg.language)
    data = lock.make(
        cfg,
        p.inputs,
        base_pin,
        runtime_in_image=runtime_in_image,
        fingerprint=fp,
        salt=salt,
        services={s.name: _service(s, cfg.name, salt) for s in cfg.services},
        # a release of these very inputs stays (a rewrite of an unchanged lock)
        release=project.lock.release if project.lock else None,
    )
    path = lock.write(cfg, data)
    ui.ok(f"pinned {base_pin.ref} to {base_pin.digest}" + (" (local-only)" if base_pin.source == "local" else ""))
    if runtime_in_image and not runtime_in_image.startswith(cfg.version):
        ui.warn(f"the image has {cfg.language} {runtime_in_image}, but devparity.toml pins {cfg.version}")
    ui.ok(f"wrote {path}")
    return EXIT_OK


def _service(service: Service, project: str, salt: str) -> dict[str, Any]:
    """Pin a service's image (as the base) and fingerprint it (issue 8).
    Side effects: may pull ``repo@digest``; reads the image's files on a
    fingerprint-cache miss (a probe container, never exec)."""
    ui.info(f"resolving {service.image} (service {service.name})")
    p = pin.resolve_service(service)
    if p.note:
        ui.note(p.note)
    fp = fingerprint.fingerprint_image(p.image_id or pinned(p.ref, p.digest), project=project, salt=salt)
    fp = {k: v for k, v in fp.items() if k not in _VOLATILE}
    fp["base"] = {"ref": p.ref, "digest": p.digest}
    ui.ok(f"pinned service {service.name}: {p.ref} to {p.digest}" + (" (local-only)" if p.source == "local" else ""))
    return lock_services.service_entry(service, p, fp, salt)
