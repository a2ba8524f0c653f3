"""Image references: ``[registry[:port]/]path[:tag][@digest]``. Pure."""

from __future__ import annotations

import re


def repository(ref: str) -> str:
    """The repository of a reference, without tag or digest:
    ``127.0.0.1:5000/py:3.11`` -> ``127.0.0.1:5000/py`` (the port stays)."""
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: name.rfind(":")] if ":" in last else name


def familiar(name: str) -> str:
    """Docker Hub names in their short form: docker.io/library/python -> python."""
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


def pinned(ref: str, digest: str) -> str:
    """``repo@digest``: the tag is dropped, as old engines reject both."""
    return f"{repository(ref)}@{digest}"


# The distribution reference grammar (distribution/reference/regexp.go),
# without IPv6 hosts: what a value must match before it reaches a FROM line.
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_PART}(?:/{_PATH_PART})*"
_TAG = r"[\w][\w.-]{0,127}"
_ANY_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE_RE = re.compile(rf"(?P<name>{_NAME})(?::{_TAG})?(?:@{_ANY_DIGEST})?", re.ASCII)
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}", re.ASCII)
NAME_MAX = 255


def is_reference(value: object) -> bool:
    """``value`` is an image reference by the distribution grammar."""
    if not isinstance(value, str):
        return False
    m = REFERENCE_RE.fullmatch(value)
    return m is not None and len(m.group("name")) <= NAME_MAX


def is_digest(value: object) -> bool:
    """``value`` is ``sha256:`` and 64 lowercase hex digits, nothing more."""
    return isinstance(value, str) and DIGEST_RE.fullmatch(value) is not None
