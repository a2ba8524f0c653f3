"""Resolving the base image to a pin: a registry digest when its registry
answers, else what the local engine has (flagged local-only)."""

from __future__ import annotations

from dataclasses import dataclass

from devparity.engine import images
from devparity.errors import EngineError, RegistryError
from devparity.imageref import pinned


@dataclass(frozen=True)
class BasePin:
    ref: str
    digest: str  # sha256:...
    source: str  # "registry" | "local"
    image_id: str | None
    note: str | None = None


def resolve(ref: str) -> BasePin:
    """Side effects: may pull ``repo@digest`` when the registry has a digest
    the engine does not hold yet."""
    try:
        digest = images.registry_digest(ref)
    except RegistryError as exc:
        return _local(ref, str(exc))
    ref_at_digest = pinned(ref, digest)
    image = images.find(ref_at_digest)
    if image is None:
        images.pull(ref_at_digest)
        image = images.find(ref_at_digest)
    return BasePin(ref, digest, "registry", image.id if image else None)


def _local(ref: str, why: str) -> BasePin:
    image = images.find(ref)
    if image is None:
        raise EngineError(
            f"base image {ref} is not on this engine and its registry cannot be reached ({why})",
            hint=f"pull or build {ref} first, or set runtime.base_image",
        )
    digest = images.repo_digest(image, ref)
    if digest:
        return BasePin(ref, digest, "registry", image.id, note="registry unreachable; pinned the local copy's registry digest")
    return BasePin(
        ref,
        image.id,
        "local",
        image.id,
        note=f"{ref} exists only on this engine (no registry digest); pinned its image id, local-only",
    )
