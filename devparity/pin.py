"""Resolving an image to a pin: a registry digest when its registry
answers, else what the local engine has (flagged local-only). The base
image and every service image (issue 8) are pinned alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devparity.engine import images
from devparity.errors import EngineError, RegistryError
from devparity.imageref import pinned

if TYPE_CHECKING:
    from devparity.config_services import Service
    from devparity.project import Project


@dataclass(frozen=True)
class BasePin:
    ref: str
    digest: str  # sha256:... (a registry digest, or the image id of a local-only pin)
    source: str  # "registry" | "local"
    image_id: str | None
    note: str | None = None


def resolve(ref: str, *, what: str = "base image", hint: str = "or set runtime.base_image") -> BasePin:
    """Side effects: may pull ``repo@digest`` when the registry has a digest
    the engine does not hold yet. ``what``/``hint`` name the image in errors."""
    try:
        digest = images.registry_digest(ref)
    except RegistryError as exc:
        return _local(ref, str(exc), what, hint)
    ref_at_digest = pinned(ref, digest)
    image = images.find(ref_at_digest)
    if image is None:
        images.pull(ref_at_digest)
        image = images.find(ref_at_digest)
    return BasePin(ref, digest, "registry", image.id if image else None)


def resolve_service(service: Service) -> BasePin:
    """The pin of a service's image, as the base is pinned."""
    return resolve(service.image, what=f"the image of service {service.name}", hint=f"or change [services.{service.name}].image")


def _local(ref: str, why: str, what: str, hint: str) -> BasePin:
    image = images.find(ref)
    if image is None:
        raise EngineError(
            f"{what} {ref} is not on this engine and its registry cannot be reached ({why})",
            hint=f"pull or build {ref} first, {hint}",
        )
    digest = images.repo_digest(image, ref)
    if digest:
        return BasePin(ref, digest, "registry", image.id, note=f"{ref}: registry unreachable; pinned the local copy's registry digest")
    return BasePin(
        ref,
        image.id,
        "local",
        image.id,
        note=f"{ref} exists only on this engine (no registry digest); pinned its image id, local-only",
    )


def service_image(project: Project, service: Service) -> str:
    """What to start ``service`` from: ``repo@digest`` when devparity.lock
    pins its image in a registry, the image id of a local-only pin, else
    (no lock, no pin for it, the config names another image since, or a lock
    whose fields disagree: a hand edit is not trusted) the config's tag.
    Pure: reads the loaded lock only; a ``repo@digest`` the engine lacks is
    the caller's to pull."""
    lk = project.lock
    if lk is None or lk.problems:
        return service.image
    entry = lk.services.get(service.name)
    if entry is None or entry.get("ref") != service.image:
        return service.image
    digest = str(entry["digest"])
    return pinned(service.image, digest) if entry.get("source") == "registry" else digest
