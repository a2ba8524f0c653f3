"""What devparity asks the engine to make: an image (BuildRequest) or a
container (ContainerSpec). Plain values, computed by pure code
(devparity.builder, devparity.roles) and applied by ``engine.images.build``
and ``engine.containers.run``; nothing here talks to the engine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

NO_NEW_PRIVILEGES = "no-new-privileges"


@dataclass(frozen=True)
class BuildRequest:
    """Everything the engine needs for one build; computed by devparity.builder."""

    context: Path
    dockerfile: str  # the rendered text
    tag: str
    labels: dict[str, str]
    buildargs: dict[str, str]
    network_mode: str | None
    include: tuple[str, ...] = ()  # [build].include: paths let past the default excludes


@dataclass(frozen=True)
class Mount:
    source: str  # a host path (bind mount), or a named volume's name (a dev build cache)
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class SyncSource:
    """[dev].source = sync (issue 9): the project is copied into the container
    through the archive API (devparity.dev.sync) instead of bind-mounted."""

    root: str  # the project directory on this host
    owner: tuple[int, int]  # uid, gid of the dev user: the copied files are theirs
    include: tuple[str, ...] = ()  # [build].include (with .dockerignore: what is left out)
    ignore: tuple[str, ...] = ()  # [dev].ignore (the watcher's ignores)


@dataclass(frozen=True)
class PortBinding:
    container: int
    host_ip: str
    host_port: int

    def url(self) -> str:
        host = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"http://{host}:{self.host_port}"

    def describe(self) -> str:
        return f"{self.host_ip}:{self.host_port}->{self.container}"


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the engine needs for one container; computed by devparity.roles."""

    name: str
    role: str
    image: str
    command: tuple[str, ...]
    env: dict[str, str]
    user: str | None  # None: the image's own (non-root) user
    mounts: tuple[Mount, ...]
    ports: tuple[PortBinding, ...]
    labels: dict[str, str]
    working_dir: str
    init: bool = True  # docker's init as PID 1: SIGTERM stops the container fast
    tmpfs: dict[str, str] = field(default_factory=dict)
    security_opt: tuple[str, ...] = (NO_NEW_PRIVILEGES,)
    cap_drop: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()
    # The role's network (issue 8): the app, its processes and its services
    # share one, so the app reaches a service by its name (an alias there).
    network: str | None = None
    aliases: tuple[str, ...] = ()
    restart: str | None = None  # the engine's restart policy ("unless-stopped" for a service)
    sync: SyncSource | None = None  # dev on an engine that cannot see the project

    def open_to_network(self) -> bool:
        """Whether a published port listens beyond this machine."""
        return any(not is_loopback(p.host_ip) for p in self.ports)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: whatever it resolves to, assume the network
        return False


@dataclass(frozen=True)
class ServicePort:
    """A published port of a Swarm service: ``published`` None lets the
    engine pick a host port for each task (host mode)."""

    target: int
    published: int | None
    mode: str  # "host" | "ingress"
    protocol: str = "tcp"


@dataclass(frozen=True)
class ServiceMount:
    """A named volume in a Swarm service's tasks, created labelled by the
    node's engine on the task's first start."""

    source: str
    target: str
    labels: dict[str, str]


@dataclass(frozen=True)
class ServiceNetwork:
    """An overlay network a Swarm service's tasks join, with their aliases."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the engine needs for one Swarm service; computed by
    devparity.deploy, applied by ``engine.swarm.apply``."""

    name: str
    image: str  # repository@digest, never a tag
    args: tuple[str, ...]
    env: dict[str, str]
    workdir: str  # "": the image's own
    ports: tuple[ServicePort, ...]
    replicas: int
    labels: dict[str, str]  # on the service
    container_labels: dict[str, str]  # on each task's container
    cap_drop: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()
    init: bool = True
    update_order: str = "start-first"  # the new task answers before the old one stops
    mounts: tuple[ServiceMount, ...] = ()
    networks: tuple[ServiceNetwork, ...] = ()
    endpoint_mode: str = "vip"  # "dnsrr": a name resolves to the task itself
