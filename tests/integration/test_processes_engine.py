"""[processes.NAME] against the real engine (issue 8): a web + worker pair
from one image. `up` runs both in dev, an edit to worker.py reloads the
worker, `logs worker` and `exec worker` reach it, and `check` treats it
like the app: 0 with dev and prod running, 1 naming the process after a
file is changed by hand in the prod worker container."""

from __future__ import annotations

import json
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

        status = cli_process("status", "--json", cwd=project)
        rows = {(c["role"], c["kind"], c["component"]) for c in json.loads(status.stdout)["containers"]}
        assert rows == {("dev", "app", "app"), ("dev", "process", "worker")}, status.stdout

        code, _ = up.interrupt(timeout=20)
        assert code == 0, up.stderr
        assert containers(engine, project_name) == {}
    finally:
        up.close()


def test_check_treats_each_process_like_the_app_and_snapshot_names_it(
    engine: Any, project: Path, project_name: str
) -> None:
    assert run_cli("lock", cwd=project).exit_code == 0
    r = run_cli("up", "all", "--detach", cwd=project)
    assert r.exit_code == 0, r.stderr
    assert sorted(containers(engine, project_name)) == ["dev", "dev/worker", "prod", "prod/worker"]

    r = run_cli("check", "--offline", cwd=project)
    assert r.exit_code == 0, r.stdout + r.stderr

    # snapshot and diff name the process; dev's and prod's worker run one image
    snap = cli_process("snapshot", "prod/worker", cwd=project)
    assert snap.exit_code == 0, snap.stderr
    fp = json.loads(snap.stdout)
    assert fp["component"] == "prod/worker" and fp["config"]["cmd"] == ["python", "-u", "worker.py"]
    d = cli_process("diff", "worker", "prod/worker", "--format", "json", cwd=project)
    assert d.exit_code == 1 and '"a": "worker"' in d.stdout and '"b": "prod/worker"' in d.stdout, d.stdout + d.stderr

    # a file changed by hand in the prod worker (root, as an operator's `docker exec -u root`)
    prod_worker = containers(engine, project_name)["prod/worker"]["Id"]
    exec_id = engine.api.exec_create(prod_worker, ["sh", "-c", "echo tuned >> /etc/issue"], user="root")
    engine.api.exec_start(exec_id)
    assert engine.api.exec_inspect(exec_id)["ExitCode"] == 0

    r = run_cli("check", "--offline", cwd=project)
    assert r.exit_code == 1, r.stdout + r.stderr
    drift = [line for line in r.stdout.splitlines() if "/etc/issue" in line]
    assert drift and all("prod/worker container" in line for line in drift), r.stdout
