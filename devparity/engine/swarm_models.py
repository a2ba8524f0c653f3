"""Typed views of the engine's Swarm JSON (``GET /services``, ``/tasks``,
``/nodes``), parsed once here as devparity.engine.models does for
containers and images."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devparity.engine.models import _labels, _strings
from devparity.engine.specs import ServicePort


def _env(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw or ():
        key, _, value = str(item).partition("=")
        out[key] = value
    return out


def _ports(raw: Any) -> tuple[ServicePort, ...]:
    out = []
    for p in raw or ():
        if isinstance(p, Mapping) and p.get("TargetPort"):
            published = p.get("PublishedPort")
            out.append(
                ServicePort(
                    int(p["TargetPort"]),
                    int(published) if published else None,
                    str(p.get("PublishMode") or "ingress"),
                    str(p.get("Protocol") or "tcp"),
                )
            )
    # the engine lists a host-mode port once per address family: once is enough
    return tuple(sorted(set(out), key=lambda s: (s.target, s.protocol, s.published or 0)))


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    version: int  # the spec's version index (an update names it)
    image: str
    args: tuple[str, ...] | None
    command: tuple[str, ...] | None  # an entrypoint override (deploy never sets one)
    env: dict[str, str]
    workdir: str | None
    ports: tuple[ServicePort, ...]
    replicas: int | None  # None: a global service
    labels: dict[str, str]
    update_order: str | None

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> ServiceInfo:
        spec = doc.get("Spec") or {}
        cs = (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
        replicated = (spec.get("Mode") or {}).get("Replicated")
        return cls(
            id=str(doc.get("ID") or ""),
            name=str(spec.get("Name") or ""),
            version=int((doc.get("Version") or {}).get("Index") or 0),
            image=str(cs.get("Image") or ""),
            args=_strings(cs.get("Args")),
            command=_strings(cs.get("Command")),
            env=_env(cs.get("Env")),
            workdir=cs.get("Dir"),
            ports=_ports((spec.get("EndpointSpec") or {}).get("Ports")),
            replicas=int(replicated.get("Replicas") or 0) if isinstance(replicated, Mapping) else None,
            labels=_labels(spec.get("Labels")),
            update_order=(spec.get("UpdateConfig") or {}).get("Order"),
        )


@dataclass(frozen=True)
class TaskInfo:
    id: str
    slot: int | None
    node_id: str
    state: str  # running, pending, failed, shutdown, ...
    desired_state: str
    image: str  # the image the task was created with (repository@digest)
    env: dict[str, str]
    container_id: str | None
    error: str | None
    ports: tuple[ServicePort, ...]  # host ports the task publishes (host mode)
    args: tuple[str, ...] = ()

    def name(self, service: str) -> str:
        """As `docker service ps` names it, with the task id's first 12 digits."""
        return f"{service}.{self.slot if self.slot is not None else self.node_id[:12]}.{self.id[:12]}"

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> TaskInfo:
        cs = (doc.get("Spec") or {}).get("ContainerSpec") or {}
        status = doc.get("Status") or {}
        slot = doc.get("Slot")
        return cls(
            id=str(doc.get("ID") or ""),
            slot=int(slot) if isinstance(slot, int) else None,
            node_id=str(doc.get("NodeID") or ""),
            state=str(status.get("State") or ""),
            desired_state=str(doc.get("DesiredState") or ""),
            image=str(cs.get("Image") or ""),
            env=_env(cs.get("Env")),
            container_id=(status.get("ContainerStatus") or {}).get("ContainerID") or None,
            error=status.get("Err") or None,
            ports=_ports((status.get("PortStatus") or {}).get("Ports")),
            args=_strings(cs.get("Args")) or (),
        )


@dataclass(frozen=True)
class NodeInfo:
    id: str
    hostname: str
    addr: str | None

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> NodeInfo:
        return cls(
            id=str(doc.get("ID") or ""),
            hostname=str((doc.get("Description") or {}).get("Hostname") or ""),
            addr=(doc.get("Status") or {}).get("Addr"),
        )
