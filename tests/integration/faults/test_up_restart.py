"""dockerd restarted or killed under a foreground `devparity up` (issue 7):
up says so in one line, waits, and serves the app again once the engine is
back, or ends with exit 3 when it stays away; never a thread traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import Up, cli_process, free_port, python_project, wait_for_text
from tests.support.private_engine import PrivateEngine

pytestmark = pytest.mark.faults


def _outage_lines(up: Up) -> list[str]:
    return [line for line in up.err if "stopped answering" in line]


@pytest.mark.parametrize("how", ["restart", "kill-and-start"])
def test_up_serves_again_after_the_engine_comes_back(
    faults_engine: PrivateEngine, fault_project: str, tmp_path: Path, how: str
) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", fault_project, port=port)
    up = Up(root, env=faults_engine.env)
    try:
        wait_for_text(port, "v1 development", timeout=120)
        mark = len(up.err)
        if how == "restart":
            faults_engine.restart()  # SIGTERM: dockerd stops the containers, then comes back
        else:
            faults_engine.kill()  # SIGKILL: the new dockerd finds the containers dead
            up.wait_for(r"engine at unix://\S+ stopped answering", timeout=30, start=mark)
            faults_engine.start()
        up.wait_for(r"engine at unix://\S+ stopped answering; waiting up to", timeout=30, start=mark)
        up.wait_for(r"engine at unix://\S+ is back", timeout=60, start=mark)
        wait_for_text(port, "v1 development", timeout=60)
        code, _ = up.interrupt(timeout=30)
    finally:
        up.close()
    output = "\n".join(up.out + up.err)
    assert code == 0, output
    assert "Traceback" not in output, output
    assert len(_outage_lines(up)) == 1, output
    assert faults_engine.containers(fault_project) == [], output


def test_up_exits_3_when_the_engine_stays_away(faults_engine: PrivateEngine, fault_project: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", fault_project, port=port)
    up = Up(root, env={**faults_engine.env, "DEVPARITY_ENGINE_WAIT": "4"})
    try:
        wait_for_text(port, "v1 development", timeout=120)
        mark = len(up.err)
        faults_engine.kill()
        up.wait_for(r"stopped answering; waiting up to 4s", timeout=30, start=mark)
        code = up.proc.wait(timeout=60)
    finally:
        up.close()
    output = "\n".join(up.out + up.err)
    assert code == 3, output
    assert "Traceback" not in output, output
    assert len(_outage_lines(up)) == 1, output
    errors = [line for line in up.err if line.startswith("error:")]
    assert len(errors) == 1 and re.search(r"engine at unix://\S+ did not come back within 4s", errors[0]), output
    # Its containers could not be removed without an engine: it said how,
    # and did not claim otherwise.
    assert "run `devparity down` once it is back" in output, output
    assert "stopped and removed" not in output, output
    faults_engine.start()
    down = cli_process("down", cwd=root, env=faults_engine.env, timeout=60)
    assert down.exit_code == 0, down.stderr
    assert faults_engine.containers(fault_project) == []


def test_ctrl_c_while_waiting_for_the_engine_ends_promptly(
    faults_engine: PrivateEngine, fault_project: str, tmp_path: Path
) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", fault_project, port=port)
    up = Up(root, env=faults_engine.env)
    try:
        wait_for_text(port, "v1 development", timeout=120)
        mark = len(up.err)
        faults_engine.kill()
        up.wait_for(r"stopped answering; waiting up to 120s", timeout=30, start=mark)
        code, took = up.interrupt(timeout=30)
    finally:
        up.close()
    output = "\n".join(up.out + up.err)
    assert took < 10, output
    assert code == 0, output
    assert "Traceback" not in output, output
    assert "run `devparity down` once it is back" in output, output
    faults_engine.start()
    assert cli_process("down", cwd=root, env=faults_engine.env, timeout=60).exit_code == 0
    assert faults_engine.containers(fault_project) == []
