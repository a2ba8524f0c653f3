"""The released image (issue 9): what `devparity push` records in
devparity.lock's ``release`` section, and the names it pushes under. Pure.

The released image is the prod image: the locked environment plus the
source baked in. Its tag says both, ``<inputs>-<source>`` (the first 24 hex
digits of the lock's inputs hash and of the source hash), so one tag never
names two images and pushing the same inputs and source again is a no-op.
``fingerprint`` is the sha256 of the image's comparable fingerprint (masked
with the lock's salt): a build of the same locked inputs on another engine
(CI's) compares its own against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devparity import inputs
from devparity.cache import canonical_json

KEYS = ("registry", "repository", "tag", "digest", "image_id", "inputs_hash", "source", "fingerprint")
_SHORT = 24


@dataclass(frozen=True)
class Release:
    registry: str
    repository: str  # registry/name
    tag: str
    digest: str  # the repository (manifest) digest the registry answered
    image_id: str  # the image's config digest: the same on every engine that pulls it
    inputs_hash: str  # the lock's inputs it was built from
    source: str  # the source hash baked in
    fingerprint: str  # sha256 of the comparable fingerprint

    @property
    def ref(self) -> str:
        """By digest, never by tag: what deploy runs."""
        return f"{self.repository}@{self.digest}"

    @property
    def tagged(self) -> str:
        return f"{self.repository}:{self.tag}"

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in KEYS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        return cls(**{k: str(data[k]) for k in KEYS})


def repository(registry: str, project: str) -> str:
    """``REGISTRY/NAME``: repository names are lowercase."""
    return f"{registry.rstrip('/')}/{project.lower()}"


def tag(inputs_hash: str, source_hash: str) -> str:
    return f"{_hex(inputs_hash)[:_SHORT]}-{_hex(source_hash)[:_SHORT]}"


def _hex(digest: str) -> str:
    return digest.partition(":")[2] or digest


# Fingerprint keys that name one machine's copy (as devparity.drift.findings
# leaves them out of every comparison).
_NOT_COMPARED = ("image_id", "ref", "kind", "base", "changes", "hidden_paths", "mounts")


def fingerprint_hash(fp: Mapping[str, Any]) -> str:
    """sha256 over a fingerprint's comparable part: equal for two builds
    of the same inputs on two engines, whatever their image ids."""
    return inputs.sha256_bytes(canonical_json({k: v for k, v in fp.items() if k not in _NOT_COMPARED}).encode())
