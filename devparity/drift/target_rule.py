"""Rule ``target`` (issue 9, `check --target`): where prod really runs,
against the lock. Pure: facts gathered by devparity.drift.remote in, one
list of findings per target out. Every finding names the target, and the
node and task where it has them (its ``subject``).

A Swarm service is compared with the spec `devparity deploy` would apply
now (devparity.deploy): image digest, env, command, ports, replicas; each
running task with the release (the digest it was created with, the image
its container runs, its state) and its container with its image as for a
local prod container (drift.container_rule: packages installed by hand,
files written, env); the image it runs with the released fingerprint.
Each [services.*] and [processes.*] Swarm service beside it
(devparity.deploy_services) is compared by its spec (image digest, env,
command) and the image its running tasks were created with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from devparity.drift.container_rule import container_findings
from devparity.drift.findings import ContainerFacts, Facts, Finding, Skipped, value
from devparity.engine.specs import ServicePort, ServiceSpec
from devparity.engine.swarm_models import ServiceInfo
from devparity.release import Release
from devparity.secrets import mask_env

RULE = "target"
REDEPLOY = "redeploy from the lock: `devparity deploy`"


@dataclass(frozen=True)
class TaskFacts:
    name: str  # service.slot.taskid
    node: str  # the node's hostname
    state: str
    image: str  # the reference the task was created with
    image_id: str | None  # the image its container runs (None: no container yet)
    container: ContainerFacts | None
    fingerprint: str | None  # release.fingerprint_hash of the image its container runs
    error: str | None = None


@dataclass(frozen=True)
class ComponentFacts:
    """A service or process deployed beside the app (deploy_services)."""

    kind: str  # service | process
    name: str  # its [services.NAME] / [processes.NAME]
    service_name: str
    service: ServiceInfo | None
    expected: ServiceSpec | None  # None: a local-only image never pushed
    tasks: tuple[TaskFacts, ...]  # the running ones (no container read)


@dataclass(frozen=True)
class SwarmFacts:
    target: str
    engine: str
    service_name: str
    service: ServiceInfo | None
    expected: ServiceSpec | None  # what deploy would apply now; None without a release
    release: Release | None
    lock_digest: str | None
    tasks: tuple[TaskFacts, ...]
    salt: str
    components: tuple[ComponentFacts, ...] = ()


@dataclass(frozen=True)
class ProdFacts:
    """The project's prod containers on an engine (``docker://ENGINE``)."""

    target: str
    engine: str
    containers: tuple[tuple[ContainerFacts, str], ...]  # with the fingerprint hash of the image each runs
    release: Release | None
    locked_fingerprint: str | None  # fingerprint_hash of the lock's fingerprint


def digest_of(ref: str) -> str | None:
    return ref.rpartition("@")[2] if "@" in ref else None


def _finding(
    subject: str, category: str, name: str, message: str, fix: str = REDEPLOY, *, expected: object = None, actual: object = None
) -> Finding:
    return Finding(RULE, "error", category, subject, name, message, fix, expected=expected, actual=actual)


def rule_swarm(sf: SwarmFacts, facts: Facts) -> list[Finding] | Skipped:
    where = sf.target
    svc, want, rel = sf.service, sf.expected, sf.release
    if svc is None:
        return [_finding(where, "service", sf.service_name, f"no Swarm service {sf.service_name} runs on {sf.engine}", "deploy it: `devparity deploy`")]
    if want is None or rel is None:
        return Skipped("devparity.lock records no release to compare the service with (`devparity push`)")
    out: list[Finding] = []
    have = digest_of(svc.image)
    if have != rel.digest:
        out.append(
            _finding(
                where, "image", "image",
                f"service {svc.name} is set to run {svc.image}, but devparity.lock releases {rel.ref} "
                f"({have or 'no digest'} is not {rel.digest})",
                expected=rel.digest, actual=have,
            )
        )
    out += _env(where, f"service {svc.name}'s spec", want.env, svc.env, sf.salt, "[app].env")
    if svc.command or tuple(svc.args or ()) != want.args:
        out.append(
            _finding(where, "config", "command", f"service {svc.name}'s command differs from [app].command",
                     expected=list(want.args), actual=list(svc.command or ()) + list(svc.args or ()))
        )
    if _ports(svc.ports) != _ports(want.ports):
        out.append(
            _finding(where, "config", "ports", f"service {svc.name} publishes {_show(svc.ports)}; deploy publishes {_show(want.ports)}")
        )
    if svc.labels.get("devparity.lock") not in (None, sf.lock_digest):
        out.append(replace(
            _finding(where, "lock", "devparity.lock", f"service {svc.name} was deployed from another devparity.lock than this one"),
            severity="warning",
        ))
    running = [t for t in sf.tasks if t.state == "running"]
    if svc.replicas is not None and len(running) != svc.replicas:
        out.append(
            _finding(where, "replicas", svc.name, f"{len(running)} of the {svc.replicas} tasks of service {svc.name} run",
                     "see `docker service ps --no-trunc " + svc.name + "`", expected=svc.replicas, actual=len(running))
        )
    for t in sf.tasks:
        out += _task(sf, t, rel, facts)
    for c in sf.components:
        out += _component(sf, c)
    return out


def _component(sf: SwarmFacts, c: ComponentFacts) -> list[Finding]:
    where, section = sf.target, f"[{c.kind}s.{c.name}]"
    svc, want = c.service, c.expected
    if want is None:
        return [_finding(where, "image", c.service_name, f"{c.kind} {c.name}'s image is pinned local-only and was never pushed",
                         "push it: `devparity push`, then `devparity deploy`")]
    if svc is None:
        return [_finding(where, "service", c.service_name, f"no Swarm service {c.service_name} ({c.kind} {c.name}) runs on {sf.engine}")]
    out: list[Finding] = []
    have, wanted = digest_of(svc.image), digest_of(want.image)
    if have != wanted:
        out.append(_finding(where, "image", c.service_name,
                            f"service {svc.name} ({c.kind} {c.name}) is set to run {svc.image}, but devparity.lock gives {want.image} "
                            f"({have or 'no digest'} is not {wanted})", expected=wanted, actual=have))
    out += _env(where, f"service {svc.name}'s spec", want.env, svc.env, sf.salt, f"{section}.env" if c.kind == "service" else f"[app].env and {section}.env")
    if svc.command or tuple(svc.args or ()) != want.args:
        out.append(_finding(where, "config", f"{c.service_name} command", f"service {svc.name}'s command differs from {section}.command",
                            expected=list(want.args), actual=list(svc.command or ()) + list(svc.args or ())))
    running = [t for t in c.tasks if t.state == "running"]
    if len(running) != (svc.replicas or 1):
        out.append(_finding(where, "replicas", c.service_name, f"{len(running)} of the {svc.replicas} tasks of service {svc.name} run",
                            f"see `docker service ps --no-trunc {svc.name}`", expected=svc.replicas, actual=len(running)))
    for t in running:
        got = digest_of(t.image)
        if got != wanted:
            out.append(_finding(f"{where} node {t.node} task {t.name}", "image", t.name,
                                f"task {t.name} of service {svc.name} runs {t.image}, not {want.image} ({got or 'no digest'} is not {wanted})",
                                expected=wanted, actual=got))
    return out


def _task(sf: SwarmFacts, t: TaskFacts, rel: Release, facts: Facts) -> list[Finding]:
    subject = f"{sf.target} node {t.node} task {t.name}"
    out: list[Finding] = []
    if t.state != "running":
        why = f": {t.error}" if t.error else ""
        return [_finding(subject, "task", t.name, f"task {t.name} is {t.state}{why}", f"see `docker service ps --no-trunc {sf.service_name}`")]
    have = digest_of(t.image)
    if have != rel.digest:
        out.append(_finding(subject, "image", t.name, f"task {t.name} runs {t.image}, not the released {rel.ref} ({have or 'no digest'} is not {rel.digest})",
                            expected=rel.digest, actual=have))
    elif t.image_id and t.image_id != rel.image_id:
        out.append(_finding(subject, "image", t.name, f"task {t.name}'s container runs image {t.image_id}, not the released {rel.image_id}",
                            expected=rel.image_id, actual=t.image_id))
    if t.fingerprint and t.fingerprint != rel.fingerprint:
        out.append(_finding(subject, "image", t.name, f"the image task {t.name} runs has fingerprint {t.fingerprint}, the release {rel.fingerprint}",
                            expected=rel.fingerprint, actual=t.fingerprint))
    if t.container is not None:
        out += [_as_task(f, subject, t.name) for f in container_findings(t.container, facts)]
    return out


def _as_task(f: Finding, subject: str, task: str) -> Finding:
    """A container finding as a task's: its subject and words name the task."""
    here = f"task {task}"
    return replace(f, rule=RULE, subject=subject, message=f.message.replace("the prod container", here).replace("prod container", here), fix=REDEPLOY if "devparity up" in f.fix else f.fix)


def rule_prod(pf: ProdFacts, facts: Facts) -> list[Finding] | Skipped:
    if not pf.containers:
        return [_finding(pf.target, "container", "prod", f"no prod container of this project runs on {pf.engine}",
                         "start it there: `DOCKER_HOST=... devparity up prod --detach`")]
    out: list[Finding] = []
    want = pf.release.fingerprint if pf.release else pf.locked_fingerprint
    what = f"the released {pf.release.ref}" if pf.release else "devparity.lock's fingerprint"
    for c, fp_hash in pf.containers:
        subject = f"{pf.target} container {c.name}"
        if want is not None and fp_hash != want:
            out.append(_finding(subject, "image", c.name, f"the image {c.name} runs differs from {what} (fingerprint {fp_hash}, expected {want})",
                                "recreate it from the current image: `devparity up prod --detach` on that engine", expected=want, actual=fp_hash))
        out += [replace(f, rule=RULE, subject=subject) for f in container_findings(c, facts)]
    return out


def _env(where: str, side: str, want: dict[str, str], have: dict[str, str], salt: str, source: str) -> list[Finding]:
    w, h = mask_env(want, salt), mask_env(have, salt)
    out = []
    for k in sorted(set(w) | set(h)):
        if w.get(k) == h.get(k):
            continue
        if k not in w:
            msg = f"env {k} is {value(h[k])} in {side} but not in {source}"
        elif k not in h:
            msg = f"env {k} of {source} is missing from {side}"
        else:
            msg = f"env {k} is {value(h[k])} in {side}, {value(w[k])} in {source}"
        out.append(_finding(where, "env", k, msg, f"set it in {source.rpartition(' and ')[2]} and run `devparity lock`, or " + REDEPLOY,
                            expected=w.get(k), actual=h.get(k)))
    return out


def _ports(ports: tuple[ServicePort, ...]) -> set[tuple[int, str, str, int | None]]:
    # host mode: the engine picks each task's host port, so only the target counts
    return {(p.target, p.protocol, p.mode, p.published if p.mode == "ingress" else None) for p in ports}


def _show(ports: tuple[ServicePort, ...]) -> str:
    return ", ".join(f"{p.published or '*'}->{p.target}/{p.protocol} ({p.mode})" for p in ports) or "no ports"
