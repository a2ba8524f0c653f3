"""Image references: ``[registry[:port]/]path[:tag][@digest]``. Pure."""

from __future__ import annotations

from devparity import validate


def repository(ref: str) -> str:
    """The repository of a reference, without tag or digest:
    ``127.0.0.1:5000/py:3.11`` -> ``127.0.0.1:5000/py`` (the port stays)."""
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: name.rfind(":")] if ":" in last else name


def familiar(name: str) -> str:
    """Docker Hub names in their short form: docker.io/library/debian -> debian."""
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


def pinned(ref: str, digest: str) -> str:
    """``repo@digest``: the tag is dropped, as old engines reject both."""
    return f"{repository(ref)}@{digest}"


def is_reference(value: object) -> bool:
    """``value`` is an image reference by the distribution grammar
    (devparity.validate holds the grammar, for config and lock alike)."""
    return isinstance(value, str) and validate.image_ref(value) is None


def is_digest(value: object) -> bool:
    """``value`` is ``sha256:`` and 64 lowercase hex digits, nothing more."""
    return isinstance(value, str) and validate.DIGEST.fullmatch(value) is not None
