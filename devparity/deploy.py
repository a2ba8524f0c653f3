"""The Swarm service `devparity deploy` makes from the lock's release
(issue 9). Pure: config and lock in, an engine.specs.ServiceSpec out;
``check --target swarm://`` compares a live service with the same spec.

Publishing: host mode by default, where each published port of each task
gets a host port the engine picks (``docker service ps`` and `deploy` show
them). A fixed host port would let only one task per node bind it, so two
replicas on one node (and a start-first update, which runs the new task
beside the old one) could never start. ``--publish ingress`` publishes the
[prod] ports through the routing mesh instead: one port for every replica,
on every node.
"""

from __future__ import annotations

import re

from devparity import labels
from devparity.config import Config
from devparity.engine.specs import ServiceNetwork, ServicePort, ServiceSpec
from devparity.lock import Lock
from devparity.release import Release
from devparity.roles import argv

# Labels on the service: what it was deployed from.
LOCK = "devparity.lock"  # the digest of the devparity.lock it was deployed from
RELEASE = "devparity.release"  # the released image's repository digest
PUBLISH = "devparity.publish"  # host | ingress
SERVICE = "devparity.service"  # on each task's container: the service's name
ROLE_SWARM = "swarm"
PUBLISH_MODES = ("host", "ingress")


def service_name(config: Config) -> str:
    """The project's name as Swarm accepts a service name (letters, digits, '-')."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", config.name).strip("-")[:63] or "app"


def network_name(config: Config) -> str:
    """The project's overlay network: the app, its processes and services."""
    return f"{service_name(config)[:59]}-net"


def networks(config: Config) -> tuple[ServiceNetwork, ...]:
    """The app joins the project's network only when something else runs
    beside it (a project without services deploys as before)."""
    return (ServiceNetwork(network_name(config)),) if config.services or config.processes else ()


def service_spec(config: Config, lock: Lock, release: Release, *, replicas: int, publish: str) -> ServiceSpec:
    name = service_name(config)
    if publish == "ingress":
        ports = tuple(ServicePort(p, config.prod_ports.get(p, p), "ingress") for p in config.ports)
    else:
        ports = tuple(ServicePort(p, None, "host") for p in config.ports)
    return ServiceSpec(
        name=name,
        image=release.ref,
        args=argv(config.command),
        env=dict(config.env),
        workdir=config.workdir,
        ports=ports,
        replicas=replicas,
        labels={labels.PROJECT: config.name, LOCK: lock.digest, RELEASE: release.digest, PUBLISH: publish},
        container_labels={labels.ROLE: ROLE_SWARM, SERVICE: name},
        cap_drop=("ALL",),
        cap_add=tuple(config.cap_add),
        networks=networks(config),
    )
