"""Typed views of the engine's JSON (as docker-py's models and python-on-whales'
inspect models): parsed once, here, so no module outside devparity.engine
indexes a raw inspect or list document.

The engine answers in two shapes: a list summary (``GET /containers/json``,
``GET /images/json``: labels at the top, ``State`` a word, ``Created`` epoch
seconds) and an inspect document (labels under ``Config``, ``State`` an
object, ``Created`` an RFC 3339 string with nanoseconds). Both parse into the
same model; what a summary lacks (exit code, start time, config) stays None.
Parser tests: tests/engine/test_models.py over JSON captured from a live
engine (tests/fixtures/engine/capture.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from devparity import labels as L

_ZERO_TIME = "0001-"  # the engine's "never" (a container not yet started)
EPOCH = datetime.fromtimestamp(0, timezone.utc)  # sorts a missing time first


def parse_time(raw: Any) -> datetime | None:
    """An engine timestamp (RFC 3339 with up to nanoseconds, or epoch
    seconds) as an aware UTC datetime; None for "never" or nothing."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw, timezone.utc) if raw > 0 else None
    if not isinstance(raw, str) or not raw or raw.startswith(_ZERO_TIME):
        return None
    # fromisoformat takes at most microseconds: cut the nanoseconds
    text = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6]:0<6}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _labels(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}


def _strings(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):  # the engine allows a string Cmd/Entrypoint in old images
        return (raw,)
    return tuple(str(x) for x in raw)


@dataclass(frozen=True)
class RunConfig:
    """The ``Config`` of an image or container: what it runs and how."""

    user: str = ""
    workdir: str = ""
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()  # "KEY=value" items, as the engine gives them
    exposed_ports: tuple[str, ...] = ()  # "8000/tcp", sorted
    volumes: tuple[str, ...] = ()  # the image's VOLUME paths, sorted
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> RunConfig:
        c = raw if isinstance(raw, Mapping) else {}
        return cls(
            user=str(c.get("User") or ""),
            workdir=str(c.get("WorkingDir") or ""),
            entrypoint=_strings(c.get("Entrypoint")),
            cmd=_strings(c.get("Cmd")),
            env=tuple(str(e) for e in c.get("Env") or ()),
            exposed_ports=tuple(sorted(str(p) for p in c.get("ExposedPorts") or {})),
            volumes=tuple(sorted(str(v) for v in c.get("Volumes") or {})),
            labels=_labels(c.get("Labels")),
        )


@dataclass(frozen=True)
class MountInfo:
    type: str  # bind, volume, tmpfs
    source: str
    destination: str
    rw: bool

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> MountInfo:
        return cls(str(raw.get("Type") or ""), str(raw.get("Source") or ""), str(raw.get("Destination") or ""), bool(raw.get("RW")))


@dataclass(frozen=True)
class PortInfo:
    """A published port: the container's port on host_ip:host_port."""

    container: int
    host_ip: str
    host_port: int
    protocol: str = "tcp"

    def describe(self) -> str:
        return f"{self.host_ip}:{self.host_port}->{self.container}"


def _ports_from_inspect(raw: Any) -> tuple[PortInfo, ...]:
    """``NetworkSettings.Ports``: {"8000/tcp": [{"HostIp", "HostPort"}] or None}."""
    out = []
    for spec, bindings in (raw or {}).items():
        port, _, proto = str(spec).partition("/")
        for b in bindings or ():
            if b.get("HostPort"):
                out.append(PortInfo(int(port), str(b.get("HostIp") or ""), int(b["HostPort"]), proto or "tcp"))
    return tuple(sorted(out, key=_port_key))


def _ports_from_summary(raw: Any) -> tuple[PortInfo, ...]:
    """A summary's ``Ports``: [{"IP", "PrivatePort", "PublicPort", "Type"}]; an
    exposed port without a host side has no PublicPort."""
    out = [
        PortInfo(int(p["PrivatePort"]), str(p.get("IP") or ""), int(p["PublicPort"]), str(p.get("Type") or "tcp"))
        for p in raw or ()
        if p.get("PublicPort")
    ]
    return tuple(sorted(out, key=_port_key))


def _port_key(p: PortInfo) -> tuple[int, str, str, int]:
    return (p.container, p.protocol, p.host_ip, p.host_port)


@dataclass(frozen=True)
class GraphDriverInfo:
    """A container's ``GraphDriver``: the storage driver and, for overlay2,
    its writable layer (``UpperDir``) and the layers below it
    (``LowerDir``, colon-separated, top first: the init layer's, then the
    image's), as paths on the engine's host."""

    name: str
    upper_dir: str = ""
    lower_dirs: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> GraphDriverInfo | None:
        if not isinstance(raw, Mapping):
            return None
        data = raw.get("Data")
        if not isinstance(data, Mapping):
            data = {}
        lower = str(data.get("LowerDir") or "")
        return cls(
            name=str(raw.get("Name") or ""),
            upper_dir=str(data.get("UpperDir") or ""),
            lower_dirs=tuple(d for d in lower.split(":") if d),
        )


@dataclass(frozen=True)
class ContainerInfo:
    """A container, from an inspect document or a list summary."""

    id: str
    name: str
    labels: dict[str, str]
    image_id: str
    status: str  # created, running, exited, ...
    running: bool
    exit_code: int | None  # None while running, and in a summary
    created: datetime | None
    started_at: datetime | None  # None when never started, and in a summary
    mounts: tuple[MountInfo, ...] = ()
    ports: tuple[PortInfo, ...] = ()
    config: RunConfig | None = None  # None in a summary
    # From an inspect document only (issue 8): the main process's pid as the
    # engine's host sees it (0 when not running), how often the restart
    # policy restarted it, and the networks it is attached to.
    pid: int = 0
    restart_count: int = 0
    networks: tuple[str, ...] = ()
    graph_driver: GraphDriverInfo | None = None  # from an inspect document only

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def role(self) -> str | None:
        """devparity's role label (dev, prod, probe); a container inherits its
        image's labels, so this alone never proves devparity made it."""
        return self.labels.get(L.ROLE)

    @property
    def inputs(self) -> str | None:
        return self.labels.get(L.INPUTS)

    @property
    def kind(self) -> str:
        """app, service or process (issue 8); unlabelled is the app."""
        return self.labels.get(L.KIND) or L.APP

    @property
    def component(self) -> str:
        """The service's or process's name; ``app`` for the app itself."""
        return L.APP if self.kind == L.APP else self.labels.get(L.COMPONENT) or L.APP

    @classmethod
    def from_inspect(cls, doc: Mapping[str, Any]) -> ContainerInfo:
        state = doc.get("State") or {}
        running = bool(state.get("Running"))
        code = state.get("ExitCode")
        config = RunConfig.parse(doc.get("Config"))
        return cls(
            id=str(doc["Id"]),
            name=str(doc.get("Name") or doc["Id"][:12]).lstrip("/"),
            labels=config.labels,
            image_id=str(doc.get("Image") or ""),
            status=str(state.get("Status") or ""),
            running=running,
            exit_code=None if running or code is None else int(code),
            created=parse_time(doc.get("Created")),
            started_at=parse_time(state.get("StartedAt")),
            mounts=tuple(MountInfo.parse(m) for m in doc.get("Mounts") or ()),
            ports=_ports_from_inspect((doc.get("NetworkSettings") or {}).get("Ports")),
            config=config,
            pid=int(state.get("Pid") or 0),
            restart_count=int(doc.get("RestartCount") or 0),
            networks=tuple(sorted((doc.get("NetworkSettings") or {}).get("Networks") or {})),
            graph_driver=GraphDriverInfo.parse(doc.get("GraphDriver")),
        )

    @classmethod
    def from_summary(cls, doc: Mapping[str, Any]) -> ContainerInfo:
        names = doc.get("Names") or [doc["Id"][:12]]
        state = str(doc.get("State") or "")
        return cls(
            id=str(doc["Id"]),
            name=str(names[0]).lstrip("/"),
            labels=_labels(doc.get("Labels")),
            image_id=str(doc.get("ImageID") or ""),
            status=state,
            running=state == "running",
            exit_code=None,
            created=parse_time(doc.get("Created")),
            started_at=None,
            mounts=tuple(MountInfo.parse(m) for m in doc.get("Mounts") or ()),
            ports=_ports_from_summary(doc.get("Ports")),
        )


@dataclass(frozen=True)
class ImageInfo:
    """An image, from an inspect document or a list summary."""

    id: str
    labels: dict[str, str]
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]  # "repo@sha256:..."; empty in a 20.10 summary
    created: datetime | None
    config: RunConfig | None = None  # None in a summary

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @classmethod
    def from_inspect(cls, doc: Mapping[str, Any]) -> ImageInfo:
        config = RunConfig.parse(doc.get("Config"))
        return cls(
            id=str(doc["Id"]),
            labels=config.labels,
            repo_tags=tuple(doc.get("RepoTags") or ()),
            repo_digests=tuple(doc.get("RepoDigests") or ()),
            created=parse_time(doc.get("Created")),
            config=config,
        )

    @classmethod
    def from_summary(cls, doc: Mapping[str, Any]) -> ImageInfo:
        return cls(
            id=str(doc["Id"]),
            labels=_labels(doc.get("Labels")),
            repo_tags=tuple(doc.get("RepoTags") or ()),
            repo_digests=tuple(doc.get("RepoDigests") or ()),
            created=parse_time(doc.get("Created")),
        )



@dataclass(frozen=True)
class NetworkInfo:
    """A network, from an inspect document or a list entry (the same shape)."""

    id: str
    name: str
    labels: dict[str, str]

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> NetworkInfo:
        return cls(id=str(doc["Id"]), name=str(doc.get("Name") or ""), labels=_labels(doc.get("Labels")))


@dataclass(frozen=True)
class ContainerEvent:
    """One container event of the engine's event stream (``die``, ...)."""

    action: str
    id: str
    labels: dict[str, str]  # the container's labels (the engine sends them as attributes)
    exit_code: int | None  # for ``die``

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> ContainerEvent:
        actor = doc.get("Actor") or {}
        attrs = _labels(actor.get("Attributes"))
        code = attrs.get("exitCode")
        return cls(
            action=str(doc.get("Action") or doc.get("status") or ""),
            id=str(actor.get("ID") or doc.get("id") or ""),
            labels=attrs,
            exit_code=int(code) if code and code.lstrip("-").isdigit() else None,
        )
