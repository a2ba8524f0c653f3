"""Swarm services, tasks and nodes (`devparity deploy`, `check --target
swarm://`, issue 9): typed answers (engine.swarm_models) and one apply of a
ServiceSpec (engine.specs)."""

from __future__ import annotations

from typing import Any

from devparity.engine import client, engine_address, mapped_errors
from devparity.engine.specs import ServiceSpec
from devparity.engine.swarm_models import NodeInfo, ServiceInfo, TaskInfo
from devparity.errors import Conflict, EngineError, NotFound


def local_node() -> str | None:
    """This engine's node id when it is in a swarm, else None."""
    with mapped_errors("engine info"):
        swarm = client().api.info().get("Swarm") or {}
    return str(swarm["NodeID"]) if swarm.get("LocalNodeState") == "active" and swarm.get("NodeID") else None


def require_manager() -> str:
    """This engine's node id; EngineError (exit 3) when it is no Swarm manager."""
    with mapped_errors("engine info"):
        swarm = client().api.info().get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        raise EngineError(
            f"the engine at {engine_address()} is not a Swarm manager",
            hint="run `docker swarm init` there, or point DOCKER_HOST at a manager of the swarm",
        )
    return str(swarm["NodeID"])


def service(name: str) -> ServiceInfo | None:
    try:
        with mapped_errors(f"inspect service {name}"):
            return ServiceInfo.parse(client().api.inspect_service(name))
    except NotFound:
        return None


def tasks(service_id: str) -> list[TaskInfo]:
    with mapped_errors("list tasks"):
        found = client().api.tasks(filters={"service": service_id})
    return [TaskInfo.parse(t) for t in found]


def nodes() -> dict[str, NodeInfo]:
    with mapped_errors("list nodes"):
        return {n.id: n for n in (NodeInfo.parse(d) for d in client().api.nodes())}


def apply(spec: ServiceSpec, existing: ServiceInfo | None) -> None:
    """Create the service, or update ``existing`` to ``spec`` (a rolling
    update in the spec's order)."""
    body = _body(spec)
    api = client().api
    with mapped_errors(f"{'update' if existing else 'create'} service {spec.name}"):
        if existing is None:
            api.create_service(name=spec.name, **body)
        else:
            api.update_service(existing.id, existing.version, name=spec.name, fetch_current_spec=False, **body)


def remove(name: str) -> None:
    try:
        with mapped_errors(f"remove service {name}"):
            client().api.remove_service(name)
    except NotFound:
        pass


def ensure_network(name: str, owner: dict[str, str]) -> None:
    """The attachable overlay network ``name`` labelled ``owner``: created
    when missing; Conflict when a network of that name is someone else's."""
    api = client().api
    with mapped_errors("list networks"):
        found = [n for n in api.networks(names=[name]) if n.get("Name") == name]
    if not found:
        with mapped_errors(f"create network {name}"):
            api.create_network(name, driver="overlay", attachable=True, labels=owner, check_duplicate=True)
        return
    have = found[0].get("Labels") or {}
    if found[0].get("Driver") != "overlay" or any(have.get(k) != v for k, v in owner.items()):
        raise Conflict(
            f"a network named {name} already exists on {engine_address()} and is not this project's overlay network",
            hint=f"if nothing needs it, remove it with `docker network rm {name}`",
        )


def by_label(label: str) -> list[ServiceInfo]:
    with mapped_errors("list services"):
        return [ServiceInfo.parse(s) for s in client().api.services(filters={"label": label})]


def _body(spec: ServiceSpec) -> dict[str, Any]:
    container: dict[str, Any] = {
        "Image": spec.image,
        "Args": list(spec.args),
        "Env": [f"{k}={v}" for k, v in sorted(spec.env.items())],
        "Labels": spec.container_labels,
        "Init": spec.init,
    }
    if spec.workdir:
        container["Dir"] = spec.workdir
    if spec.mounts:
        container["Mounts"] = [
            {"Type": "volume", "Source": m.source, "Target": m.target, "VolumeOptions": {"Labels": m.labels}}
            for m in spec.mounts
        ]
    if spec.cap_drop:
        container["CapabilityDrop"] = list(spec.cap_drop)
    if spec.cap_add:
        container["CapabilityAdd"] = list(spec.cap_add)
    ports = []
    for p in spec.ports:
        entry: dict[str, Any] = {"Protocol": p.protocol, "TargetPort": p.target, "PublishMode": p.mode}
        if p.published is not None:
            entry["PublishedPort"] = p.published
        ports.append(entry)
    template: dict[str, Any] = {"ContainerSpec": container, "RestartPolicy": {"Condition": "any", "MaxAttempts": 0}}
    if spec.networks:
        template["Networks"] = [{"Target": n.name, "Aliases": list(n.aliases)} for n in spec.networks]
    return {
        "task_template": template,
        "labels": spec.labels,
        "mode": {"Replicated": {"Replicas": spec.replicas}},
        "update_config": {"Parallelism": 1, "Order": spec.update_order, "FailureAction": "rollback", "Monitor": 5_000_000_000},
        "endpoint_spec": {"Mode": spec.endpoint_mode, "Ports": ports},
    }
