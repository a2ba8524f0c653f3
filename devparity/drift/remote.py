"""`check --target` (issue 9): the facts of each place prod runs, read
through that place's engine (engine.at), for the pure rule in
devparity.drift.target_rule. A target that cannot be reached is an error
naming it (exit 3), never a pass.

A Swarm task's container is read through the engine of the node that runs
it. On a single-node swarm that is the manager's own engine; a task on
another node is an error naming the node (docs/release.md says how a
multi-node check is run: once per node, with DOCKER_HOST at that node).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from devparity import deploy, deploy_services, engine, labels, release
from devparity.drift import fingerprint
from devparity.drift.findings import ContainerFacts, Skipped
from devparity.drift.gather import lock_facts
from devparity.drift.target_rule import RULE, ComponentFacts, ProdFacts, SwarmFacts, TaskFacts, rule_prod, rule_swarm
from devparity.engine import containers, swarm
from devparity.engine.swarm_models import NodeInfo, TaskInfo
from devparity.errors import EngineError, EngineUnavailable

if TYPE_CHECKING:
    from devparity.drift.findings import Facts
    from devparity.drift.rules import Extra
    from devparity.lock import Lock
    from devparity.plan import BuildPlan
    from devparity.targetref import TargetRef

T = TypeVar("T")


class Started:
    """Each target's facts, gathered in the background from ``start`` on
    (its own engine client, engine.at, so the local steps of check go on
    with theirs meanwhile); ``result`` waits and decides."""

    def __init__(self, wanted: list[TargetRef], plan: BuildPlan, lk: Lock | None) -> None:
        lf = lock_facts(plan, lk)
        self._skipped = None if lf.lock is not None else Skipped(
            "devparity.lock was edited by hand" if lf.edited else "there is no devparity.lock"
        )
        self._wanted = wanted
        self._futures: list[Future[SwarmFacts | ProdFacts]] = []
        if lf.lock is not None:
            pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="devparity-target")
            for t in wanted:
                ctx = contextvars.copy_context()
                self._futures.append(pool.submit(ctx.run, _gather, t, plan, lf.lock, lf.salt))
            pool.shutdown(wait=False)

    def result(self, facts: Facts) -> list[Extra]:
        out: list[Extra] = []
        for i, t in enumerate(self._wanted):
            title = f"target {t.text}"
            if self._skipped is not None:
                out.append((RULE, title, self._skipped))
                continue
            got = self._futures[i].result()  # re-raises the target's error, named
            out.append((RULE, title, rule_swarm(got, facts) if isinstance(got, SwarmFacts) else rule_prod(got, facts)))
        return out


def start(wanted: list[TargetRef], plan: BuildPlan, lk: Lock | None) -> Started:
    return Started(wanted, plan, lk)


def _gather(t: TargetRef, plan: BuildPlan, lk: Lock, salt: str) -> SwarmFacts | ProdFacts:
    """Side effects: asks the target's engine; reads its containers' files."""
    with _named(t), engine.at(t.engine.host, t.engine.context):
        if t.kind == "swarm":
            return swarm_facts(t, plan, lk, salt)
        return prod_facts(t, plan, lk, salt)


class _named:
    """Engine errors inside name the target they happened at."""

    def __init__(self, target: TargetRef) -> None:
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, EngineError) and not exc.message.startswith("check target"):
            new = type(exc)(f"check target {self.target.text}: {exc.message}", hint=exc.hint)
            raise new from exc


def swarm_facts(t: TargetRef, plan: BuildPlan, lk: Lock, salt: str) -> SwarmFacts:
    cfg = plan.config
    here = swarm.local_node()
    where = engine.engine_address()
    if here is None:
        raise EngineError(f"the engine at {where} is not in a swarm", hint="point the target at a manager of the swarm")
    name = t.service or deploy.service_name(cfg)
    svc = swarm.service(name)
    rel = lk.release
    expected = None
    if svc is not None and rel is not None:
        publish = svc.labels.get(deploy.PUBLISH, "host")
        expected = deploy.service_spec(cfg, lk, rel, replicas=svc.replicas or 1, publish=publish if publish in deploy.PUBLISH_MODES else "host")
    tasks: tuple[TaskFacts, ...] = ()
    comps: Future[tuple[ComponentFacts, ...]] | None = None
    if svc is not None and rel is not None and (cfg.services or cfg.processes):
        # the services and processes beside the app, asked while its tasks' containers are read
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devparity-components")
        comps = pool.submit(contextvars.copy_context().run, _components, plan, lk)
        pool.shutdown(wait=False)
    if svc is not None:
        live = [x for x in swarm.tasks(svc.id) if x.desired_state == "running"]
        nodes = swarm.nodes()
        for x in live:
            if x.node_id != here:
                node = nodes.get(x.node_id)
                raise EngineUnavailable(
                    f"task {x.name(name)} runs on node {node.hostname if node else x.node_id[:12]}"
                    + (f" ({node.addr})" if node and node.addr else "")
                    + f", whose engine is not the one at {where}",
                    hint="check each node through its own engine: docs/release.md, multi-node swarms",
                )
        tasks = tuple(_parallel([lambda x=x: _task(x, name, nodes, plan, salt) for x in live]))  # type: ignore[misc]
    return SwarmFacts(t.text, where, name, svc, expected, rel, lk.digest, tasks, salt, comps.result() if comps else ())


def _components(plan: BuildPlan, lk: Lock) -> tuple[ComponentFacts, ...]:
    """The services and processes deployed beside the app: their specs and
    the images their running tasks were created with."""
    assert lk.release is not None
    nodes: dict[str, NodeInfo] | None = None
    out = []
    for c in deploy_services.components(plan.config, lk, lk.release):
        svc = swarm.service(c.service_name)
        tasks: tuple[TaskFacts, ...] = ()
        if svc is not None:
            live = [x for x in swarm.tasks(svc.id) if x.desired_state == "running"]
            nodes = nodes if nodes is not None else swarm.nodes()
            tasks = tuple(TaskFacts(x.name(svc.name), nodes[x.node_id].hostname if x.node_id in nodes else x.node_id[:12],
                                    x.state, x.image, None, None, None, x.error) for x in live)
        out.append(ComponentFacts(c.kind, c.name, c.service_name, svc, c.spec, tasks))
    return tuple(out)


def _task(x: TaskInfo, service: str, nodes: dict[str, NodeInfo], plan: BuildPlan, salt: str) -> TaskFacts:
    node = nodes[x.node_id].hostname if x.node_id in nodes else x.node_id[:12]
    name = x.name(service)
    if x.state != "running" or not x.container_id:
        return TaskFacts(name, node, x.state, x.image, None, None, None, x.error)
    c, fp_hash = _container(x.container_id, name, plan, salt)
    return TaskFacts(name, node, x.state, x.image, str(c.fingerprint["image_id"]), c, fp_hash, x.error)


def _container(cid: str, name: str, plan: BuildPlan, salt: str) -> tuple[ContainerFacts, str]:
    """A container's facts, read as check reads a local prod container, and
    the fingerprint hash of the image it runs."""
    project = plan.config.name
    info = containers.get(cid)
    fp = fingerprint.fingerprint_container(cid, project=project, salt=salt, info=info)
    image_fp = fingerprint.fingerprint_image(str(fp["image_id"]), project=project, salt=salt)
    return ContainerFacts("prod", name, fp, image_fp, info.inputs), release.fingerprint_hash(image_fp)


def prod_facts(t: TargetRef, plan: BuildPlan, lk: Lock, salt: str) -> ProdFacts:
    cfg = plan.config
    # a Swarm task's container on this node counts as prod too (multi-node checks, docs/release.md)
    # (not the services and processes deployed beside the app: they run other images or commands)
    running = [c for c in containers.find(cfg.name) if c.running and (c.role == "prod" or (c.role == deploy.ROLE_SWARM and c.kind == labels.APP))]
    found = _parallel([lambda c=c: _container(c.id, c.name, plan, salt) for c in running])  # type: ignore[misc]
    locked = release.fingerprint_hash(lk.fingerprint) if lk.fingerprint else None
    return ProdFacts(t.text, engine.engine_address(), tuple(found), lk.release, locked)


def _parallel(calls: list[Callable[[], T]]) -> list[T]:
    """Reading containers is mostly waiting on the engine: side by side."""
    if len(calls) < 2:
        return [c() for c in calls]
    with ThreadPoolExecutor(max_workers=min(8, len(calls))) as pool:
        # each call in a copy of this context: the target's engine client (engine.at)
        futures = [pool.submit(contextvars.copy_context().run, c) for c in calls]
        return [f.result() for f in futures]
