"""The pure halves of deploy and `check --target` (issue 9): the service
spec `deploy` applies, and the target rule over gathered facts: each drift
named with its target, node and task; the release rule. No engine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from devparity import config, deploy, lock, release
from devparity.drift.findings import ContainerFacts, Facts, Skipped
from devparity.drift.release_rule import ReleaseFacts, rule_release
from devparity.drift.target_rule import ProdFacts, SwarmFacts, TaskFacts, rule_prod, rule_swarm
from devparity.engine.specs import ServicePort
from devparity.engine.swarm_models import ServiceInfo, TaskInfo
from devparity.release import Release
from tests.support import fingerprint, python_project
from tests.support.project import lock_data

SALT = "0" * 32
IMAGE_FP = fingerprint()
FP_HASH = release.fingerprint_hash(IMAGE_FP)
TARGET = "swarm://shop"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[config.Config, lock.Lock, Release]:
    root = python_project(tmp_path / "app", "shop", port=8000)
    cfg = config.load(root / "devparity.toml")
    data = lock_data(root)
    rel = Release("reg:5000", "reg:5000/shop", "t", "sha256:" + "1" * 64, IMAGE_FP["image_id"], data["inputs_hash"], "sha256:" + "2" * 64, FP_HASH)
    return cfg, lock.Lock(lock.with_release(lock.Lock(data), rel)), rel


def _facts() -> Facts:
    return Facts(
        language="python", version="3.11", dep_files=("requirements.txt",), workdir="/app", dev_env={}, stale=(),
        locked=IMAGE_FP, image=IMAGE_FP, base=Skipped("--offline"), current_inputs="sha256:inputs", containers=(), host="3.11.4",
    )  # fmt: skip


def _swarm(cfg: config.Config, lk: lock.Lock, rel: Release, *, replicas: int = 2, **svc_over: object) -> SwarmFacts:
    spec = deploy.service_spec(cfg, lk, rel, replicas=replicas, publish="host")
    svc = ServiceInfo("id", spec.name, 3, spec.image, spec.args, None, dict(spec.env), spec.workdir, spec.ports, replicas, spec.labels, "start-first")
    svc = replace(svc, **svc_over)  # type: ignore[arg-type]
    container = fingerprint(kind="container")
    tasks = tuple(
        TaskFacts(f"shop.{i}.abc{i}", "node1", "running", spec.image, rel.image_id,
                  ContainerFacts("prod", f"shop.{i}.abc{i}", container, IMAGE_FP, "sha256:inputs"), FP_HASH)
        for i in range(1, replicas + 1)
    )  # fmt: skip
    return SwarmFacts(TARGET, "unix:///x", spec.name, svc, spec, rel, lk.digest, tasks, SALT)


def test_the_spec_deploys_the_release_by_digest_with_a_host_port_per_task(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    cfg, lk, rel = setup
    spec = deploy.service_spec(cfg, lk, rel, replicas=2, publish="host")
    assert spec.image == rel.ref and "@sha256:" in spec.image and spec.replicas == 2
    assert spec.ports == (ServicePort(8000, None, "host"),)
    assert spec.update_order == "start-first" and spec.cap_drop == ("ALL",)
    assert spec.labels[deploy.LOCK] == lk.digest and spec.labels["devparity.project"] == "shop"
    assert spec.env == cfg.env and spec.args == ("python", "app.py")
    ingress = deploy.service_spec(cfg, lk, rel, replicas=3, publish="ingress")
    assert ingress.ports == (ServicePort(8000, 9000, "ingress"),)


def test_a_service_as_deployed_is_at_parity(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    assert rule_swarm(_swarm(*setup), _facts()) == []


def test_env_image_command_ports_and_replicas_are_named(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    cfg, lk, rel = setup
    sf = _swarm(cfg, lk, rel)
    svc = sf.service
    assert svc is not None
    other = "reg:5000/shop@sha256:" + "9" * 64
    moved = replace(sf, service=replace(svc, env={**svc.env, "X": "1"}, image=other, args=("sh",), ports=(ServicePort(8000, 8000, "ingress"),)))
    found = rule_swarm(moved, _facts())
    assert not isinstance(found, Skipped)
    by_name = {f.name: f for f in found}
    assert "env X is 1 in service" in by_name["X"].message and by_name["X"].subject == TARGET
    assert rel.digest in by_name["image"].message and "sha256:" + "9" * 64 in by_name["image"].message
    assert "command" in by_name and "ports" in by_name
    fewer = replace(sf, tasks=sf.tasks[:1])
    [f] = rule_swarm(fewer, _facts())  # type: ignore[misc]
    assert f.category == "replicas" and "1 of the 2 tasks" in f.message


def test_a_task_is_named_with_its_node_for_its_digest_package_and_state(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    cfg, lk, rel = setup
    sf = _swarm(cfg, lk, rel)
    t1, t2 = sf.tasks
    assert t1.container is not None
    drifted = fingerprint(kind="container", packages={"dpkg": {"bash": "5.2.15"}, "pip": {"leftpad": "1.0"}})
    t1 = replace(t1, container=replace(t1.container, fingerprint=drifted))
    t2 = replace(t2, image="reg:5000/shop@sha256:" + "8" * 64)
    found = rule_swarm(replace(sf, tasks=(t1, t2)), _facts())
    assert not isinstance(found, Skipped)
    pkg = next(f for f in found if f.name == "leftpad")
    assert pkg.subject == f"{TARGET} node node1 task shop.1.abc1" and "task shop.1.abc1" in pkg.message
    digest = next(f for f in found if f.category == "image")
    assert digest.subject.endswith("task shop.2.abc2") and "sha256:" + "8" * 64 in digest.message and rel.digest in digest.message
    failed = replace(sf.tasks[0], state="failed", error="oom")
    [f] = [f for f in rule_swarm(replace(sf, tasks=(failed, sf.tasks[1])), _facts()) if f.category == "task"]  # type: ignore[union-attr]
    assert "is failed: oom" in f.message


def test_no_service_and_no_release(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    sf = _swarm(*setup)
    [f] = rule_swarm(replace(sf, service=None), _facts())  # type: ignore[misc]
    assert "no Swarm service shop runs" in f.message
    assert isinstance(rule_swarm(replace(sf, expected=None, release=None), _facts()), Skipped)


def test_docker_target_compares_with_the_release(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    _cfg, _lk, rel = setup
    c = ContainerFacts("prod", "shop-prod", fingerprint(kind="container"), IMAGE_FP, "sha256:inputs")
    assert rule_prod(ProdFacts("docker://x", "tcp://x", ((c, FP_HASH),), rel, None), _facts()) == []
    [f] = rule_prod(ProdFacts("docker://x", "tcp://x", ((c, "sha256:" + "7" * 64),), rel, None), _facts())  # type: ignore[misc]
    assert f.subject == "docker://x container shop-prod" and rel.ref in f.message
    [none] = rule_prod(ProdFacts("docker://x", "tcp://x", (), rel, None), _facts())  # type: ignore[misc]
    assert "no prod container" in none.message


def test_release_rule(setup: tuple[config.Config, lock.Lock, Release]) -> None:
    _cfg, _lk, rel = setup
    assert rule_release(ReleaseFacts(rel, rel.fingerprint, rel.source)) == []
    found = rule_release(ReleaseFacts(rel, "sha256:" + "6" * 64, "sha256:" + "5" * 64))
    assert not isinstance(found, Skipped)
    assert [f.severity for f in found] == ["error", "warning"] and rel.fingerprint in found[0].message


def test_task_and_service_models_parse_engine_json() -> None:
    task = TaskInfo.parse({
        "ID": "t" * 25, "Slot": 2, "NodeID": "n1", "DesiredState": "running",
        "Spec": {"ContainerSpec": {"Image": "reg/x@sha256:" + "1" * 64, "Env": ["A=1", "B"]}},
        "Status": {"State": "running", "ContainerStatus": {"ContainerID": "c1"},
                   "PortStatus": {"Ports": [{"Protocol": "tcp", "TargetPort": 8000, "PublishedPort": 30001, "PublishMode": "host"}]}},
    })  # fmt: skip
    assert task.name("x") == "x.2." + "t" * 12 and task.env == {"A": "1", "B": ""} and task.container_id == "c1"
    assert task.ports == (ServicePort(8000, 30001, "host"),)
    svc = ServiceInfo.parse({"ID": "s", "Version": {"Index": 7}, "Spec": {"Name": "x", "Mode": {"Replicated": {"Replicas": 3}}}})
    assert (svc.version, svc.replicas, svc.ports, svc.env) == (7, 3, (), {})
