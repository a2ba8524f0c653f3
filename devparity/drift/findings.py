"""What `devparity check` decides on and what it finds: gathered ``Facts``
in, ``Finding``s out (pure data, shared by ``rules``, ``live`` and ``report``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from devparity.drift.diff import Change

Severity = Literal["error", "warning"]

# Fingerprint keys that name a machine's copy rather than the environment
# (see devparity.commands.lock._VOLATILE); ``base`` is the base rule's.
_NOT_COMPARED = ("image_id", "ref", "kind", "base")


@dataclass(frozen=True)
class Finding:
    """One drift: what (category, name), where (subject), and how to fix it."""

    rule: str
    severity: Severity
    category: str  # lock, package, env, config, os, runtime, file, hidden, image, base, host, secret
    subject: str  # where: "devparity.lock", "dev container", "host", ...
    name: str
    message: str
    fix: str
    ecosystem: str | None = None
    expected: Any = None  # the locked / image side (secret env values masked)
    actual: Any = None  # the drifted side
    accepted: str | None = None  # the [check].allow reason, when accepted


@dataclass(frozen=True)
class Skipped:
    """A rule that could not run, and why (shown as a note, never a failure)."""

    reason: str


@dataclass(frozen=True)
class ContainerFacts:
    role: str  # "dev" | "prod"
    name: str
    fingerprint: Mapping[str, Any]  # fingerprint_container
    image: Mapping[str, Any]  # fingerprint_image of the image it runs
    inputs: str | None  # that image's devparity.inputs label
    hidden_in: str = "its image"  # what the fingerprint's hidden_paths were computed against
    # A process (issue 8) runs the app's image with its own command and env:
    # those are declared, not drift (both masked like the fingerprint's).
    process: str | None = None  # the [processes.NAME] it runs; None: the app
    declared_env: Mapping[str, str] = field(default_factory=dict)
    declared_cmd: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """How findings name it: ``dev``, ``prod/worker``."""
        return self.role if self.process is None else f"{self.role}/{self.process}"


@dataclass(frozen=True)
class BaseFacts:
    ref: str
    locked: str
    now: str | None  # None: the registry could not be asked (see ``unreachable``)
    unreachable: str | None = None  # why, when ``now`` is None


@dataclass(frozen=True)
class ServicePin:
    """A service's locked registry pin against its tag's digest now (issue 8)."""

    service: str
    ref: str
    locked: str
    now: str | None  # None: the registry could not be asked (see ``unreachable``)
    unreachable: str | None = None


@dataclass(frozen=True)
class ServiceVersion:
    """What a service's data directory says it was created by, against the
    server version its image carries (devparity.drift.service_versions)."""

    server: str  # "postgres"
    data_dir: str
    path: str  # the version file in the data directory: /var/lib/postgresql/data/PG_VERSION
    data: str | None  # None: the data directory holds no version file yet
    image: str | None  # None: the image's version could not be read


@dataclass(frozen=True)
class ServiceContainer:
    """A running service container (issue 8), read through the archive API."""

    role: str  # "dev" | "prod"
    service: str
    name: str  # the container's
    fingerprint: Mapping[str, Any]  # fingerprint_container
    image: Mapping[str, Any]  # fingerprint_image of the image it runs
    declared_env: Mapping[str, str]  # [services.NAME].env, masked like the fingerprints
    data: str | None  # [services.NAME].data
    locked_image: str | None  # the image id of its locked pin; None: no pin here to compare
    version: ServiceVersion | None = None

    @property
    def label(self) -> str:
        """How findings name it: ``dev/db``."""
        return f"{self.role}/{self.service}"


@dataclass(frozen=True)
class SecretFile:
    """A file in the image's app dir that looks like a secret (never its value)."""

    path: str  # absolute, in the image
    reason: str  # what kind of secret: "an env file", "a private key", ...


@dataclass(frozen=True)
class Facts:
    """Everything the rules decide on; a ``Skipped`` where it was not gathered."""

    language: str
    version: str  # [runtime].version
    dep_files: tuple[str, ...]
    workdir: str
    dev_env: Mapping[str, str]
    stale: tuple[str, ...] | None  # None: there is no lock
    locked: Mapping[str, Any] | Skipped  # the lock's fingerprint
    image: Mapping[str, Any] | Skipped  # fingerprint of the image the current config builds
    base: BaseFacts | Skipped
    current_inputs: str | None
    containers: tuple[ContainerFacts, ...] | Skipped
    host: str | Skipped  # the host's runtime version
    app_secrets: tuple[SecretFile, ...] | Skipped = Skipped("the image's app files were not scanned")
    # What a hand edit made the lock's fields disagree on (devparity.lock.disagreements).
    edited: tuple[str, ...] = ()
    # Issue 8; None: the project has no services (their rules are not listed).
    service_pins: tuple[ServicePin, ...] | Skipped | None = None
    services: tuple[ServiceContainer, ...] | Skipped | None = None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    title: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None

    @property
    def status(self) -> str:
        """skipped, fail (an unaccepted error), warn, or pass."""
        if self.skipped is not None:
            return "skipped"
        live = [f for f in self.findings if f.accepted is None]
        if any(f.severity == "error" for f in live):
            return "fail"
        return "warn" if live else "pass"


@dataclass(frozen=True)
class Outcome:
    results: tuple[RuleResult, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def drift(self) -> bool:
        return any(r.status == "fail" for r in self.results)


def value(v: Any) -> str:
    """A value as it appears in a message."""
    if v is None:
        return "nothing"
    if isinstance(v, str):
        masked = v.startswith("<masked")
        return repr(v) if v == "" or (" " in v and not masked) else v
    return repr(v)


def _what(c: Change) -> str:
    return f"{c.ecosystem} package {c.name}" if c.category == "package" else f"{c.category} {c.name}"


def describe(c: Change, a_side: str, b_side: str) -> str:
    """``<ecosystem> package idna is 3.7 in <b>, 3.6 in <a>`` and friends."""
    if c.kind == "added":
        return f"{_what(c)} {value(c.b)} is in {b_side} but not in {a_side}"
    if c.kind == "removed":
        return f"{_what(c)} {value(c.a)} is in {a_side} but not in {b_side}"
    return f"{_what(c)} is {value(c.b)} in {b_side}, {value(c.a)} in {a_side}"


def comparable(fp: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fp.items() if k not in _NOT_COMPARED}
