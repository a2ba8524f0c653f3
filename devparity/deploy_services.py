"""The Swarm services `devparity deploy` runs beside the app (issue 9 with
issue 8's ``[services.NAME]`` and ``[processes.NAME]``). Pure: config, lock
and release in, engine.specs.ServiceSpec out; ``check --target swarm://``
compares the live services with the same specs.

A backing service is ``<NAME>-<service>`` from its locked image: by its
registry digest, or (a local-only pin) by the copy `devparity push` put in
the release registry. One replica, ``stop-first`` on update: two Postgres
on one data volume must never run at once. Its network alias is its name,
so the app reaches ``db:5432`` as under `up`; its ``data`` directory is a
named volume; its name resolves to its task (``dnsrr``), not to a
virtual IP: the IPVS balancer in between drops a connection idle for 15
minutes, as a pooled database connection often is. Its ``ports`` are not
published: as under `up prod`, only dev publishes a service's ports (on
127.0.0.1, for a local client), and Swarm has no host-IP option, so a
published port would open the database on every address of the node.

A process is ``<NAME>-<process>`` from the released app image with its own
command and the app's env overlaid by its own, hardened like the app, one
replica, ``start-first``. ``--replicas`` scales the app only: a second
database or scheduler is not a replica of the first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from devparity import deploy, labels
from devparity.config import Config
from devparity.config_services import Process, Service
from devparity.engine.specs import ServiceMount, ServiceNetwork, ServiceSpec
from devparity.imageref import pinned
from devparity.lock import Lock
from devparity.release import Release
from devparity.roles import argv

STOP_FIRST = "stop-first"


@dataclass(frozen=True)
class Component:
    """A service or process to deploy; ``spec`` None when its image has no
    reference a node could pull (a local-only service never pushed)."""

    kind: str  # labels.SERVICE | labels.PROCESS
    name: str  # its [services.NAME] / [processes.NAME]
    service_name: str  # the Swarm service's
    spec: ServiceSpec | None


def component_name(config: Config, name: str) -> str:
    return f"{deploy.service_name(config)}-{name}"[:63]


def data_volume(config: Config, service: Service) -> str:
    return f"{component_name(config, service.name)}-data"


def image_volume(config: Config, service: Service, path: str) -> str:
    """The named volume for a VOLUME the image declares besides ``data``
    (as devparity.services names it under `up`): Swarm would give each new
    task an anonymous one, unlabelled, so an update would lose its data."""
    return f"{component_name(config, service.name)}-vol-{hashlib.sha256(path.encode()).hexdigest()[:8]}"


def service_image(lock: Lock, release: Release, service: Service) -> str | None:
    """``repo@digest`` of the service's locked image; None when the lock
    pins it local-only and the release holds no pushed copy."""
    entry = lock.services.get(service.name)
    if entry is None:
        return None
    if entry["source"] == "registry":
        return pinned(str(entry["ref"]), str(entry["digest"]))
    pushed = release.services.get(service.name)
    return pushed.ref if pushed is not None and pushed.image_id == entry["digest"] else None


def _labels(config: Config, lock: Lock, kind: str, name: str) -> dict[str, str]:
    return {labels.PROJECT: config.name, deploy.LOCK: lock.digest, **labels.component(kind, name)}


def backing_spec(config: Config, lock: Lock, release: Release, service: Service, *,
                 image_volumes: tuple[str, ...] = ()) -> ServiceSpec | None:
    """``image_volumes``: the image's VOLUME paths, each given a named volume."""
    image = service_image(lock, release, service)
    if image is None:
        return None
    name = component_name(config, service.name)
    owned = _labels(config, lock, labels.SERVICE, service.name)
    volume_labels = {labels.PROJECT: config.name, **labels.component(labels.SERVICE, service.name)}
    mounts: tuple[ServiceMount, ...] = (ServiceMount(data_volume(config, service), service.data, volume_labels),) if service.data else ()
    mounts += tuple(ServiceMount(image_volume(config, service, v), v, volume_labels)
                    for v in sorted(set(image_volumes)) if v != service.data)
    command = service.command
    return ServiceSpec(
        name=name,
        image=image,
        args=() if command is None else argv(command if isinstance(command, str) else list(command)),
        env=dict(service.env),
        workdir="",  # the image's own
        ports=(),  # never published (see the module's docstring)
        replicas=1,
        labels=owned,
        container_labels={labels.PROJECT: config.name, labels.ROLE: deploy.ROLE_SWARM, deploy.SERVICE: name, **labels.component(labels.SERVICE, service.name)},
        init=False,  # the image's own entrypoint, as `up` runs it
        update_order=STOP_FIRST,
        mounts=mounts,
        networks=(ServiceNetwork(deploy.network_name(config), (service.name,)),),
        endpoint_mode="dnsrr",
    )


def process_spec(config: Config, lock: Lock, release: Release, process: Process) -> ServiceSpec:
    name = component_name(config, process.name)
    return ServiceSpec(
        name=name,
        image=release.ref,
        args=argv(process.command),
        env={**config.env, **process.env},
        workdir=config.workdir,
        ports=(),
        replicas=1,
        labels={**_labels(config, lock, labels.PROCESS, process.name), deploy.RELEASE: release.digest},
        container_labels={labels.ROLE: deploy.ROLE_SWARM, deploy.SERVICE: name, **labels.component(labels.PROCESS, process.name)},
        cap_drop=("ALL",),
        cap_add=tuple(config.cap_add),
        networks=(ServiceNetwork(deploy.network_name(config), (process.name,)),),
    )


def components(config: Config, lock: Lock, release: Release, volumes: dict[str, tuple[str, ...]] | None = None) -> list[Component]:
    """Services first (the order deploy starts them in), then processes;
    ``volumes``: each service's image VOLUME paths, by service name."""
    vols = volumes or {}
    out = [Component(labels.SERVICE, s.name, component_name(config, s.name),
                     backing_spec(config, lock, release, s, image_volumes=vols.get(s.name, ()))) for s in config.services]
    out += [Component(labels.PROCESS, p.name, component_name(config, p.name), process_spec(config, lock, release, p)) for p in config.processes]
    return out


def network_labels(config: Config) -> dict[str, str]:
    return {labels.PROJECT: config.name}
