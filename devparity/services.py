"""What a backing service's container looks like (issue 8): pure functions
from a Config, a role and a ``[services.NAME]`` to a ContainerSpec, as
devparity.roles does for the app; and the pure half of the ready probes.
Nothing here talks to the engine; devparity.backing applies the specs.

Each role gets its own service containers and data volumes, so a dev write
never touches the local prod's data; both sit on the role's network (the
app reaches ``db`` by that name) and restart ``unless-stopped`` while they
run. Only dev publishes service ports, on 127.0.0.1, for a local client.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

from devparity import labels, loopback
from devparity.config import Config
from devparity.config_services import Service
from devparity.engine.specs import ContainerSpec, Mount, PortBinding
from devparity.roles import DEV, argv, component_name, labels_for, network_name

RESTART = "unless-stopped"
LOOPBACK = "127.0.0.1"
DATA_SUFFIX = "data"


def data_volume(config: Config, role: str, service: Service) -> str:
    """The named volume that keeps ``service``'s data directory across runs."""
    return f"{component_name(config, role, service.name)}-{DATA_SUFFIX}"


def image_volume(config: Config, role: str, service: Service, path: str) -> str:
    """The named volume for a VOLUME the image declares besides ``data``:
    named and labelled like the data volume, so `down --volumes` finds it
    (the engine would make an anonymous one per container, labelled by no one)."""
    digest = hashlib.sha256(path.encode()).hexdigest()[:8]
    return f"{component_name(config, role, service.name)}-vol-{digest}"


def spec(config: Config, role: str, service: Service, image: str, *, image_id: str = "",
         image_volumes: tuple[str, ...] = ()) -> ContainerSpec:
    """The container of ``service`` in ``role`` running ``image`` (the lock's
    pin or the tag, devparity.pin.service_image); ``image_id`` is what that
    reference names locally now, so a re-tagged image makes another spec;
    ``image_volumes`` the image's VOLUME paths (each gets a named volume)."""
    command = () if service.command is None else argv(service.command if isinstance(service.command, str) else list(service.command))
    ports = tuple(PortBinding(c, LOOPBACK, h) for c, h in sorted(service.ports.items())) if role == DEV else ()
    mounts: tuple[Mount, ...] = (Mount(data_volume(config, role, service), service.data),) if service.data else ()
    mounts += tuple(Mount(image_volume(config, role, service, p), p) for p in sorted(set(image_volumes)) if p != service.data)
    base = ContainerSpec(
        name=component_name(config, role, service.name),
        role=role,
        image=image,
        command=command,
        env=dict(service.env),
        user=None,  # the image's own: an entrypoint that drops to its service user
        mounts=mounts,
        ports=ports,
        labels={},
        working_dir="",  # the image's own
        network=network_name(config, role),
        aliases=(service.name,),
        restart=RESTART,
    )
    wanted = {**labels_for(config, role, spec_hash(base, image_id)), **labels.component(labels.SERVICE, service.name)}
    return replace(base, labels=wanted)


def spec_hash(s: ContainerSpec, image_id: str) -> str:
    """A digest of everything that shapes a service's container (its
    ``devparity.inputs`` label): an equal hash on a running container means
    it can be kept across `up` runs."""
    doc = {**asdict(s), "labels": None, "image_id": image_id}
    raw = json.dumps(doc, sort_keys=True, default=str).encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def reusable(spec_: ContainerSpec, *, running: bool, inputs: str | None, networks: tuple[str, ...]) -> bool:
    """Whether a container of this checkout already running ``spec_`` can be
    kept: it runs, carries the same inputs hash and is on the role's network
    (a network recreated under it would leave it unreachable by name)."""
    return running and inputs == spec_.labels.get(labels.INPUTS) and (spec_.network in networks)


def listening(proc_net_tcp: str) -> set[int]:
    """The local ports in LISTEN state in the text of /proc/net/tcp or
    tcp6 (either: the format is the same, only the address is longer)."""
    return {x.port for x in loopback.listeners(proc_net_tcp)}


@dataclass(frozen=True)
class Probe:
    """How to ask whether a service is ready, derived from ``ready``."""

    kind: str  # "tcp", "command" or "running"
    port: int | None = None
    command: tuple[str, ...] = ()
    timeout: int = 60


def probe_for(service: Service) -> Probe:
    r = service.ready
    if r.tcp is not None:
        return Probe("tcp", port=r.tcp, timeout=r.timeout)
    if r.command:
        return Probe("command", command=r.command, timeout=r.timeout)
    return Probe("running", timeout=r.timeout)


def cgroup_names(cgroup_text: str, container_id: str) -> bool:
    """Whether /proc/PID/cgroup's text places PID in ``container_id``'s
    cgroup: proof that the pid the engine reported is that container's
    process in this host's pid namespace (a remote or VM engine's pid is
    some other process here, or none)."""
    return len(container_id) >= 12 and container_id in cgroup_text
