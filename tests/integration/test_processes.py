"""[processes.NAME] against the real engine (issue 8): a web + worker pair
from one image. `up` runs both in dev, an edit to worker.py reloads the
worker, `logs worker` and `exec worker` reach it, and `check` treats it
like the app: 0 with dev and prod running, 1 naming the process after a
file is changed by hand in the prod worker container."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import config, roles
from tests.support import Up, cli_process, edit, free_port, python_project, run_cli, wait_for_text

pytestmark = pytest.mark.engine

WORKER_PY = """\
import os, time

VERSION = "w1"
print(f"worker {VERSION} {os.environ.get('APP_ENV')} queue={os.environ.get('QUEUE')}", flush=True)
while True:
    time.sleep(1)
"""

WORKER_TOML = """
[processes.worker]
command = ["python", "-u", "worker.py"]
env = { QUEUE = "mail" }
"""


@pytest.fixture
def project(tmp_path: Path, project_name: str) -> Iterator[Path]:
    root = python_project(tmp_path / "app", project_name, port=free_port(), extra_toml=WORKER_TOML)
    (root / "worker.py").write_text(WORKER_PY)
    yield root
    run_cli("down", cwd=root)


def wait_for_line(lines: list[str], text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(lines):
            if text in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(lines))


def containers(engine: Any, project: str) -> dict[str, dict[str, Any]]:
    """The project's containers by the session's key (dev, dev/worker, ...)."""
    out = {}
    for c in engine.api.containers(all=True, filters={"label": [f"devparity.project={project}"]}):
        labels = c["Labels"]
        component = labels.get("devparity.component")
        out[labels["devparity.role"] + (f"/{component}" if component else "")] = c
    return out


def test_up_runs_web_and_worker_reloads_the_worker_and_logs_and_exec_reach_it(
    engine: Any, project: Path, project_name: str
) -> None:
    port = config.load(project / "devparity.toml").ports[0]
    up = Up(project)
    try:
        wait_for_text(port, "v1 development", timeout=180)
        first = wait_for_line(up.out, "worker w1 development queue=mail")
        assert first.startswith("dev/worker | ")
        found = containers(engine, project_name)
        assert sorted(found) == ["dev", "dev/worker"]
        worker = engine.api.inspect_container(found["dev/worker"]["Id"])
        assert worker["Name"].lstrip("/") == roles.component_name(config.load(project / "devparity.toml"), "dev", "worker")
        assert worker["HostConfig"]["PortBindings"] in ({}, None)

        edit(project / "worker.py", 'VERSION = "w1"', 'VERSION = "w2"')
        wait_for_line(up.out, "worker w2 development queue=mail", timeout=20)
        up.wait_for(r"reload #1 in \d+ ms \(dev/worker\)", timeout=20)
        # the process restarted, not its container
        assert engine.api.inspect_container(worker["Id"])["State"]["StartedAt"] == worker["State"]["StartedAt"]

        logs = cli_process("logs", "worker", cwd=project)
        assert logs.exit_code == 0, logs.stderr
        assert "worker w2 development queue=mail" in logs.stdout and "v1 development" not in logs.stdout

        r = cli_process("exec", "worker", "--", "printenv", "QUEUE", cwd=project, stdin=None)
        assert (r.exit_code, r.stdout) == (0, "mail\n"), r.stderr
        r = cli_process("exec", "--", "printenv", "APP_ENV", cwd=project, stdin=None)
        assert (r.exit_code, r.stdout) == (0, "development\n"), r.stderr

        status = cli_process("status", cwd=project)
        assert "dev/worker" in status.stdout, status.stdout

        code, _ = up.interrupt(timeout=20)
        assert code == 0, up.stderr
        assert containers(engine, project_name) == {}
    finally:
        up.close()
