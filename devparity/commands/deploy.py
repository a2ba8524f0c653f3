"""`devparity deploy`: create or update the Swarm service NAME from the
lock's release, by digest (devparity.deploy decides the spec), and wait
until its tasks run the released image. With [services.*] and
[processes.*] (devparity.deploy_services): the project's overlay network,
then each backing service, waited for until its task runs and its ready
probe passes, then the processes and the app."""

from __future__ import annotations

import os
import time

from devparity import deploy, deploy_services, labels, plan, services, ui
from devparity.commands.push import fresh_lock
from devparity.config_services import Service
from devparity.engine import containers, engine_address, images, swarm
from devparity.engine.specs import ServiceSpec
from devparity.engine.swarm_models import ServiceInfo, TaskInfo
from devparity.errors import EXIT_OK, DevparityError, EngineError, NotReleasable, ServiceNotReady, UsageError
from devparity.project import Project

WAIT = float(os.environ.get("DEVPARITY_DEPLOY_WAIT", "120"))  # seconds for the tasks to run
_FAILED = ("failed", "rejected", "orphaned")


def deploy_cmd(project: Project, *, replicas: int = 1, publish: str = "host") -> int:
    cfg = project.config
    if publish not in deploy.PUBLISH_MODES:
        raise UsageError(f"deploy --publish must be one of {', '.join(deploy.PUBLISH_MODES)}")
    lk = fresh_lock(project, "deploy")
    rel = lk.release
    if rel is None:
        raise NotReleasable(
            "devparity.lock records no release, so there is no image to deploy", hint="run `devparity push` first"
        )
    comps = deploy_services.components(cfg, lk, rel)
    unpushed = [c.name for c in comps if c.spec is None]
    if unpushed:
        raise NotReleasable(
            f"service {unpushed[0]}'s image is pinned local-only and was never pushed, so no swarm node could pull it",
            hint="run `devparity push` (it pushes local-only service images beside the app)",
        )
    if rel.source != plan.for_project(project).source_hash:
        ui.warn(f"the source changed since {rel.tagged} was released; deploying the release (`devparity push` releases the current source)")
    swarm.require_manager()
    comps = deploy_services.components(cfg, lk, rel, {c.name: _image_volumes(c.spec.image) for c in comps if c.kind == labels.SERVICE and c.spec})
    spec = deploy.service_spec(cfg, lk, rel, replicas=replicas, publish=publish)
    existing = _owned(cfg.name, spec.name)
    specs = [c.spec for c in comps if c.spec is not None]
    if specs:
        swarm.ensure_network(deploy.network_name(cfg), deploy_services.network_labels(cfg))
    backing = {deploy_services.component_name(cfg, s.name): s for s in cfg.services}
    first = [s for s in specs if s.name in backing]
    for s in first:
        _apply(s, _owned(cfg.name, s.name), f"service {backing[s.name].name}")
    for s in first:
        _wait_ready(backing[s.name], s.name, _converge(s))
    for s in specs:
        if s.name not in backing:
            _apply(s, _owned(cfg.name, s.name), f"process {s.labels.get(labels.COMPONENT)}")
    _remove_dropped(cfg.name, {s.name for s in specs})
    ui.info(f"{'updating' if existing else 'creating'} service {spec.name} from {rel.ref} ({replicas} replica{'s' if replicas != 1 else ''}, {publish} publishing)")
    swarm.apply(spec, existing)
    for s in specs:
        if s.name not in backing:
            _converge(s)
            ui.ok(f"process {s.labels.get(labels.COMPONENT)} runs as service {s.name}")
    running = _converge(spec)
    nodes = swarm.nodes()
    for t in sorted(running, key=lambda t: t.slot or 0):
        node = nodes[t.node_id].hostname if t.node_id in nodes else t.node_id[:12]
        ports = ", ".join(f"{p.published}->{p.target}/{p.protocol}" for p in t.ports if p.published)
        ui.info(f"  task {t.name(spec.name)} on node {node}" + (f": host port {ports}" if ports else ""))
    ui.ok(f"service {spec.name} runs {len(running)} task{'s' if len(running) != 1 else ''} of {rel.ref}")
    return EXIT_OK


def _image_volumes(ref: str) -> tuple[str, ...]:
    """The VOLUME paths of a service's image, read on the manager (pulled
    there first: a single node runs it from there anyway); () with a
    warning when the manager cannot pull it."""
    found = images.find(ref)
    if found is None:
        try:
            images.pull(ref)
        except DevparityError as exc:
            ui.warn(f"could not pull {ref} on the manager to read its VOLUMEs ({exc.message}); they get anonymous volumes")
            return ()
        found = images.find(ref)
    return found.config.volumes if found is not None and found.config else ()


def _owned(project: str, name: str) -> ServiceInfo | None:
    """The Swarm service ``name`` when this project deployed it (or none is
    there); UsageError when it is someone else's."""
    existing = swarm.service(name)
    if existing is not None and existing.labels.get(labels.PROJECT) != project:
        raise UsageError(
            f"a Swarm service named {name} exists on {engine_address()} and devparity did not deploy it for this project",
            hint="remove or rename that service (`docker service rm`), or rename [project].name",
        )
    return existing


def _apply(spec: ServiceSpec, existing: ServiceInfo | None, what: str) -> None:
    ui.info(f"{'updating' if existing else 'creating'} service {spec.name} ({what}) from {spec.image}")
    swarm.apply(spec, existing)


def _remove_dropped(project: str, wanted: set[str]) -> None:
    """A service or process the config no longer has goes (its volumes stay)."""
    for svc in swarm.by_label(f"{labels.PROJECT}={project}"):
        if svc.labels.get(labels.KIND) and svc.name not in wanted:
            ui.info(f"removing service {svc.name} ({svc.labels.get(labels.KIND)} {svc.labels.get(labels.COMPONENT)} is no longer in devparity.toml)")
            swarm.remove(svc.name)


def _wait_ready(service: Service, name: str, running: list[TaskInfo]) -> None:
    """The service's ready probe (devparity.backing, as `up` waits) against
    its task's container, through this engine: a task on another node is
    taken as ready once it runs (its container is not readable here)."""
    from devparity import backing

    probe = services.probe_for(service)
    here = swarm.local_node()
    task = running[0]
    if probe.kind == "running" or task.node_id != here or not task.container_id:
        ui.ok(f"service {service.name} runs")
        return
    begun = time.monotonic()
    while True:
        info = containers.inspect(task.container_id)
        if info is not None and info.running and backing.is_ready(info, probe):
            ui.ok(f"service {service.name} ready ({time.monotonic() - begun:.1f}s after its task ran)")
            return
        if time.monotonic() - begun >= service.ready.timeout:
            raise ServiceNotReady(
                f"service {service.name} was not ready within {service.ready.timeout}s of its Swarm task running",
                hint=f"see `docker service logs {name}` on {engine_address()}",
            )
        time.sleep(backing.POLL * 4)


def _converge(spec: ServiceSpec) -> list[TaskInfo]:
    """The service's running tasks once ``spec.replicas`` of them run its
    image, env and args and no other task is left (an update that changed
    only the env keeps the image: the old task is no current one);
    EngineError naming a failed task or the wait."""
    name, replicas = spec.name, spec.replicas
    service = swarm.service(name)
    assert service is not None  # just applied

    def current(t: TaskInfo) -> bool:
        return t.image == spec.image and t.env == spec.env and t.args == spec.args

    deadline = time.monotonic() + WAIT
    while True:
        found = swarm.tasks(service.id)
        failed = [t for t in found if current(t) and t.state in _FAILED]
        running = [t for t in found if current(t) and t.desired_state == "running" and t.state == "running"]
        stale = [t for t in found if not current(t) and t.state == "running"]
        if len(running) == replicas and not stale:
            return running
        if failed and not running:
            t = failed[-1]
            raise EngineError(
                f"task {t.name(name)} of service {name} {t.state}: {' '.join((t.error or 'no reason given').split())[:300]}",
                hint=f"see `docker service ps --no-trunc {name}`",
            )
        if time.monotonic() > deadline:
            raise EngineError(
                f"service {name}: {len(running)} of {replicas} tasks run the released image after {WAIT:.0f} s",
                hint=f"see `docker service ps --no-trunc {name}` (DEVPARITY_DEPLOY_WAIT sets another limit)",
            )
        time.sleep(0.25)
