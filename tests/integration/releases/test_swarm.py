"""`devparity deploy` and `check --target swarm://` on a single-node swarm
(issue 9's must-show), on a private engine (tests/support/swarm.py): push,
then `deploy --replicas 2` runs two tasks from the locked digest; check
passes; a package installed by hand in one task, an env added to the
service and another image are each named (task, package, env, both
digests)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from devparity import config, deploy
from tests.support import cli_process, make_wheel, run_cli, wait_for_text
from tests.support.registry import push
from tests.support.swarm import SwarmEngine

pytestmark = pytest.mark.swarm


def _deploy(root: Path, swarm: SwarmEngine, *args: str) -> Any:
    # a process: the in-process CLI keeps one cached engine client
    return cli_process("deploy", *args, cwd=root, env={"DOCKER_HOST": swarm.host}, timeout=300)


def _check(root: Path, target: str) -> Any:
    return run_cli("check", "--offline", "--target", target, cwd=root)


def test_deploy_then_check_names_task_package_env_and_digests(project: Path, registry: str, swarm: SwarmEngine, engine: Any, project_name: str) -> None:
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    rel = json.loads((project / "devparity.lock").read_text())["release"]
    locked = f"{rel['repository']}@{rel['digest']}"
    name = deploy.service_name(config.load(project / "devparity.toml"))

    r = _deploy(project, swarm, "--replicas", "2")
    assert r.exit_code == 0, r.stderr
    tasks = swarm.wait_running(name, locked, 2)
    assert {t["Image"] for t in tasks} == {locked}  # by digest, never a tag
    spec = json.loads(swarm.docker("service", "inspect", name))[0]["Spec"]
    assert spec["Labels"]["devparity.project"] == project_name
    assert spec["Labels"]["devparity.lock"] == json.loads((project / "devparity.lock").read_text())["digest"]
    assert spec["UpdateConfig"]["Order"] == "start-first"
    port = f"{config.load(project / 'devparity.toml').ports[0]}/tcp"
    containers = json.loads(swarm.docker("inspect", *swarm.task_containers(name)))
    ports = {int(b["HostPort"]) for c in containers for b in c["NetworkSettings"]["Ports"].get(port) or []}
    assert len(ports) == 2  # each task answers on a host port of its own, with the prod env
    for p in ports:
        assert "production" in wait_for_text(p, "production", timeout=60)

    target = f"swarm://{name}@{swarm.host}"
    ok = _check(project, target)
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    assert f"target {target}: ok" in ok.stdout

    # a package installed by hand in one task's container
    container = swarm.task_containers(name)[0]
    task_name = json.loads(swarm.docker("inspect", container))[0]["Name"].lstrip("/")
    wheel = make_wheel(project.parent / "wheels", "by_hand_swarm", "1.0")
    swarm.docker("cp", str(wheel), f"{container}:/tmp/{wheel.name}")
    swarm.docker("exec", "-u", "root", container, "python", "-m", "pip", "install", "-q", "--no-index", f"/tmp/{wheel.name}")
    r = _check(project, target)
    assert r.exit_code == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "by-hand-swarm" in ln)
    slot_task = task_name.rsplit(".", 1)[0]  # name.slot.taskid; findings give the id's first 12 digits
    assert "pip package by-hand-swarm 1.0" in line and f"task {slot_task}." in line and "node " in line

    # an env added to the service by hand (its tasks are replaced: the package goes)
    swarm.update(name, "--env-add", "X_BY_HAND=1")
    swarm.wait_running(name, locked, 2)
    r = _check(project, target)
    assert r.exit_code == 1
    assert "env X_BY_HAND is 1 in service" in r.stdout
    assert "by-hand-swarm" not in r.stdout

    # the service moved to another image
    dockerfile = f"FROM {locked}\nLABEL devparity.project={project_name} variant=1\n"
    other_id = engine.images.build(fileobj=io.BytesIO(dockerfile.encode()), rm=True)[0].id
    other = f"{rel['repository']}-other:1"
    digest = push(engine, other_id, other)
    moved = f"{rel['repository']}-other@{digest}"
    swarm.update(name, "--image", moved)
    swarm.wait_running(name, moved, 2)
    r = _check(project, target)
    assert r.exit_code == 1
    assert digest in r.stdout and rel["digest"] in r.stdout
    image_line = next(ln for ln in r.stdout.splitlines() if "is set to run" in ln)
    assert digest in image_line and rel["digest"] in image_line

    # deploy puts it back: the service runs the release again
    r = _deploy(project, swarm, "--replicas", "2")
    assert r.exit_code == 0, r.stderr
    assert _check(project, target).exit_code == 0


def test_an_unreachable_target_is_exit_3_naming_it(project: Path, tmp_path: Path) -> None:
    target = f"swarm://app@unix://{tmp_path}/no-engine.sock"
    # a process: the SDK leaves the refused socket to the garbage collector
    r = cli_process("check", "--offline", "--target", target, cwd=project)
    assert r.exit_code == 3 and target in r.stderr


def test_a_missing_service_is_drift(project: Path, registry: str, swarm: SwarmEngine) -> None:
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    r = _check(project, f"swarm://nothing-here@{swarm.host}")
    assert r.exit_code == 1 and "no Swarm service nothing-here runs on" in r.stdout
