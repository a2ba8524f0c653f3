"""`devparity up` killed with SIGKILL (issue 7): nothing of it runs any more,
its dev container is an orphan, and the next `down` or `up` deals with it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from devparity import config, roles
from tests.support import Up, cli_process, free_port, python_project, wait_for_text
from tests.support.private_engine import PrivateEngine

pytestmark = pytest.mark.faults


def _orphaned(engine: PrivateEngine, project: str, root: Path, port: int) -> None:
    """Start a foreground `up`, SIGKILL it once it serves: an orphan remains."""
    up = Up(root, env=engine.env)
    try:
        wait_for_text(port, "v1 development", timeout=120)
        up.proc.send_signal(signal.SIGKILL)
        assert up.proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        up.close()
    left = engine.containers(project)
    assert len(left) == 1 and left[0]["State"] == "running", left


def test_down_removes_the_orphans_of_a_killed_up(faults_engine: PrivateEngine, fault_project: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", fault_project, port=port)
    _orphaned(faults_engine, fault_project, root, port)

    down = cli_process("down", cwd=root, env=faults_engine.env, timeout=60)
    assert down.exit_code == 0, down.stderr
    assert f"removed {roles.name_for(config.load(root / 'devparity.toml'), 'dev')}" in down.stderr
    assert faults_engine.containers(fault_project) == []


def test_the_next_up_replaces_the_orphan_of_a_killed_up(
    faults_engine: PrivateEngine, fault_project: str, tmp_path: Path
) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", fault_project, port=port)
    _orphaned(faults_engine, fault_project, root, port)
    orphan = faults_engine.containers(fault_project)[0]["ID"]

    up = cli_process("up", "--detach", cwd=root, env=faults_engine.env, timeout=120)
    assert up.exit_code == 0, up.stderr
    assert "Traceback" not in up.stderr
    now = faults_engine.containers(fault_project)
    assert len(now) == 1, now  # exactly one dev container, and not the orphan
    assert now[0]["ID"] != orphan and now[0]["State"] == "running", now
    wait_for_text(port, "v1 development", timeout=30)
    assert cli_process("down", cwd=root, env=faults_engine.env, timeout=60).exit_code == 0
