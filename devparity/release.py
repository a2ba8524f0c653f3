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
from dataclasses import dataclass, field
from typing import Any

from devparity import inputs
from devparity.cache import canonical_json

KEYS = ("registry", "repository", "tag", "digest", "image_id", "inputs_hash", "source", "fingerprint")
# ``release.services``: only when a service image was local-only and so pushed too.
OPTIONAL_KEYS = ("services",)
SERVICE_KEYS = ("repository", "tag", "digest", "image_id")
_SHORT = 24


@dataclass(frozen=True)
class ServiceRelease:
    """A service image the lock pins local-only (no registry digest), pushed
    beside the app so a swarm node can pull it: ``image_id`` is its pin."""

    repository: str  # registry/<project>-<service>
    tag: str
    digest: str
    image_id: str

    @property
    def ref(self) -> str:
        return f"{self.repository}@{self.digest}"

    @property
    def tagged(self) -> str:
        return f"{self.repository}:{self.tag}"

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in SERVICE_KEYS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceRelease:
        return cls(**{k: str(data[k]) for k in SERVICE_KEYS})


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
    services: dict[str, ServiceRelease] = field(default_factory=dict)  # by service name

    @property
    def ref(self) -> str:
        """By digest, never by tag: what deploy runs."""
        return f"{self.repository}@{self.digest}"

    @property
    def tagged(self) -> str:
        return f"{self.repository}:{self.tag}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in KEYS}
        if self.services:  # absent otherwise: a lock without reads and hashes as before
            out["services"] = {n: s.as_dict() for n, s in sorted(self.services.items())}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        services = {str(n): ServiceRelease.from_dict(s) for n, s in (data.get("services") or {}).items()}
        return cls(**{k: str(data[k]) for k in KEYS}, services=services)


def repository(registry: str, project: str) -> str:
    """``REGISTRY/NAME``: repository names are lowercase."""
    return f"{registry.rstrip('/')}/{project.lower()}"


def service_repository(registry: str, project: str, service: str) -> str:
    """``REGISTRY/<project>-<service>``: where a local-only service image goes."""
    return f"{repository(registry, project)}-{service}"


def service_tag(image_id: str) -> str:
    """The pinned image id's first hex digits: one tag never names two images."""
    return _hex(image_id)[:_SHORT]


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
