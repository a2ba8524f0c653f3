"""`devparity deploy`: create or update the Swarm service NAME from the
lock's release, by digest (devparity.deploy decides the spec), and wait
until its tasks run the released image."""

from __future__ import annotations

import os
import time

from devparity import deploy, labels, plan, ui
from devparity.commands.push import fresh_lock
from devparity.engine import engine_address, swarm
from devparity.engine.swarm_models import TaskInfo
from devparity.errors import EXIT_OK, EngineError, NotReleasable, UsageError
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
    if rel.source != plan.for_project(project).source_hash:
        ui.warn(f"the source changed since {rel.tagged} was released; deploying the release (`devparity push` releases the current source)")
    swarm.require_manager()
    spec = deploy.service_spec(cfg, lk, rel, replicas=replicas, publish=publish)
    existing = swarm.service(spec.name)
    if existing is not None and existing.labels.get(labels.PROJECT) != cfg.name:
        raise UsageError(
            f"a Swarm service named {spec.name} exists on {engine_address()} and devparity did not deploy it for this project",
            hint="remove or rename that service (`docker service rm`), or rename [project].name",
        )
    ui.info(f"{'updating' if existing else 'creating'} service {spec.name} from {rel.ref} ({replicas} replica{'s' if replicas != 1 else ''}, {publish} publishing)")
    swarm.apply(spec, existing)
    running = _converge(spec.name, spec.image, replicas)
    nodes = swarm.nodes()
    for t in sorted(running, key=lambda t: t.slot or 0):
        node = nodes[t.node_id].hostname if t.node_id in nodes else t.node_id[:12]
        ports = ", ".join(f"{p.published}->{p.target}/{p.protocol}" for p in t.ports if p.published)
        ui.info(f"  task {t.name(spec.name)} on node {node}" + (f": host port {ports}" if ports else ""))
    ui.ok(f"service {spec.name} runs {len(running)} task{'s' if len(running) != 1 else ''} of {rel.ref}")
    return EXIT_OK


def _converge(name: str, image: str, replicas: int) -> list[TaskInfo]:
    """The service's running tasks once ``replicas`` of them run ``image``
    and no task of another image is left; EngineError naming a failed task
    or the wait."""
    service = swarm.service(name)
    assert service is not None  # just applied
    deadline = time.monotonic() + WAIT
    while True:
        found = swarm.tasks(service.id)
        current = [t for t in found if t.image == image and t.desired_state == "running"]
        failed = [t for t in found if t.image == image and t.state in _FAILED]
        running = [t for t in current if t.state == "running"]
        stale = [t for t in found if t.image != image and t.state == "running"]
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
