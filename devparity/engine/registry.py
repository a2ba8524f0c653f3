"""Pushing an image to a registry and asking a registry what a tag holds
(`devparity push`, issue 9)."""

from __future__ import annotations

from devparity.engine import client, engine_address, mapped_errors
from devparity.errors import RegistryError


def push(image_id: str, repository: str, tag: str) -> str:
    """Tag the local image ``image_id`` as ``repository:tag``, push it and
    return the repository digest the registry answered (``sha256:...``).
    Raises RegistryError naming the registry when the push fails."""
    with mapped_errors(f"tag {repository}:{tag}"):
        client().api.tag(image_id, repository, tag)
    digest = None
    with mapped_errors(f"push {repository}:{tag}"):
        for chunk in client().api.push(repository, tag, stream=True, decode=True):
            if "error" in chunk:
                detail = (chunk.get("errorDetail") or {}).get("message") or chunk["error"]
                raise RegistryError(
                    f"cannot push {repository}:{tag} from {engine_address()}: {' '.join(str(detail).split())[:300]}",
                    hint="check that the registry answers and accepts pushes from this engine (an insecure registry must be in the engine's insecure-registries)",
                )
            aux = chunk.get("aux")
            if isinstance(aux, dict) and aux.get("Digest"):
                digest = str(aux["Digest"])
    if digest is None:
        raise RegistryError(f"the registry answered no digest for {repository}:{tag}")
    return digest


def digest_of(ref: str) -> str | None:
    """The digest ``ref`` (a tag) holds in its registry now, None when it
    holds nothing under that tag. Raises RegistryError when the registry
    cannot be asked."""
    from docker import errors as de

    try:
        return str(client().images.get_registry_data(ref).id)
    except de.NotFound:
        return None
    except de.APIError as exc:
        text = (exc.explanation or str(exc)).strip()
        if "manifest unknown" in text or "not found" in text:
            return None
        raise RegistryError(f"cannot ask the registry about {ref}: {' '.join(text.split())[:300]}") from exc
    except Exception as exc:  # requests' connection errors
        raise RegistryError(f"cannot ask the registry about {ref}: {exc}") from exc


def pull(ref: str) -> str:
    """Pull ``ref`` (repo@digest) and return the local image id."""
    with mapped_errors(f"pull {ref}"):
        client().api.pull(ref)
        return str(client().api.inspect_image(ref)["Id"])
