"""`devparity deploy` with a backing service and a worker process (issue 9
point 4 with issue 8), on the private single-node swarm
(tests/support/swarm.py): the local-only redis:7 is pushed beside the app,
deployed as NAME-cache on the project's overlay network, reached by the app
as `cache`; the worker writes to it; `check --target swarm://NAME` passes,
names an env added to the service by hand, and a re-deploy changes
nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devparity import config, deploy
from tests.support import cli_process, free_port, python_project, run_cli, wait_for_text
from tests.support.registry import lock_project
from tests.support.swarm import SwarmEngine

pytestmark = pytest.mark.swarm

# The app answers with redis' PING and what the worker stored, reaching the
# service by its name, as under `up`.
APP = """\
import os, socket, http.server

def ask(line):
    with socket.create_connection(("cache", 6379), timeout=3) as s:
        s.sendall(line.encode() + b"\\r\\n")
        return s.recv(256).decode().split("\\r\\n")

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            pong, worker = ask("PING")[0], ask("GET worker")
            text = f"{pong} worker={worker[1] if worker[0] != '$-1' else 'none'}"
        except OSError as exc:
            text = f"unreachable {exc}"
        body = f"v1 {os.environ.get('APP_ENV')} {text}\\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
"""
WORKER = """\
import os, socket, time
while True:
    try:
        with socket.create_connection(("cache", 6379), timeout=3) as s:
            s.sendall(f"SET worker {os.environ['QUEUE']}\\r\\n".encode())
            s.recv(64)
    except OSError:
        pass
    time.sleep(0.5)
"""
EXTRA = """
[services.cache]
image = "redis:7"
command = ["redis-server", "--appendonly", "yes"]
data = "/data"
ready = { tcp = 6379, timeout = 60 }

[processes.worker]
command = ["python", "worker.py"]
env = { QUEUE = "jobs" }
"""


def _deploy(root: Path, swarm: SwarmEngine) -> Any:
    return cli_process("deploy", cwd=root, env={"DOCKER_HOST": swarm.host}, timeout=300)


def _check(root: Path, target: str) -> Any:
    return run_cli("check", "--offline", "--target", target, cwd=root)


def _task_ids(swarm: SwarmEngine, *services: str) -> set[str]:
    return {t["ID"] for s in services for t in swarm.tasks(s)}


def test_deploy_runs_the_service_and_the_worker_beside_the_app(tmp_path: Path, project_name: str, registry: str, swarm: SwarmEngine) -> None:
    root = python_project(tmp_path / "app", project_name, port=free_port(), extra_toml=EXTRA)
    (root / "app.py").write_text(APP)
    (root / "worker.py").write_text(WORKER)
    lock_project(root)
    assert json.loads((root / "devparity.lock").read_text())["services"]["cache"]["local_only"] is True

    r = run_cli("push", "--registry", registry, cwd=root)
    assert r.exit_code == 0, r.stderr
    data = json.loads((root / "devparity.lock").read_text())
    pushed = data["release"]["services"]["cache"]
    assert pushed["image_id"] == data["services"]["cache"]["digest"] and pushed["repository"].startswith(registry + "/")
    before = (root / "devparity.lock").read_bytes()
    again = run_cli("push", "--registry", registry, cwd=root)
    assert again.exit_code == 0 and "already released" in again.stderr and "pushing" not in again.stderr, again.stderr
    assert (root / "devparity.lock").read_bytes() == before  # the same inputs: a no-op

    cfg = config.load(root / "devparity.toml")
    name = deploy.service_name(cfg)
    cache, worker = f"{name}-cache", f"{name}-worker"
    r = _deploy(root, swarm)
    assert r.exit_code == 0, r.stderr
    assert r.stderr.index("service cache ready") < r.stderr.index(f"creating service {name} from")  # the service first
    locked_cache = f"{pushed['repository']}@{pushed['digest']}"
    swarm.wait_running(cache, locked_cache, 1)
    spec = json.loads(swarm.docker("service", "inspect", cache))[0]["Spec"]
    assert spec["UpdateConfig"]["Order"] == "stop-first" and spec["Labels"]["devparity.project"] == project_name
    assert spec["TaskTemplate"]["Networks"][0]["Aliases"] == ["cache"]
    net = json.loads(swarm.docker("network", "inspect", deploy.network_name(cfg)))[0]
    assert net["Driver"] == "overlay" and net["Attachable"] and net["Labels"]["devparity.project"] == project_name
    volumes = swarm.docker("volume", "ls", "-q", "--filter", f"label=devparity.project={project_name}").split()
    assert volumes == [f"{cache}-data"]

    port = f"{cfg.ports[0]}/tcp"
    (container,) = swarm.task_containers(name)
    host_port = int(json.loads(swarm.docker("inspect", container))[0]["NetworkSettings"]["Ports"][port][0]["HostPort"])
    assert "production +PONG worker=jobs" in wait_for_text(host_port, "worker=jobs", timeout=90)

    target = f"swarm://{name}@{swarm.host}"
    ok = _check(root, target)
    assert ok.exit_code == 0, ok.stdout + ok.stderr

    # a re-deploy of the same lock replaces no task
    tasks = _task_ids(swarm, name, cache, worker)
    r = _deploy(root, swarm)
    assert r.exit_code == 0, r.stderr
    assert _task_ids(swarm, name, cache, worker) == tasks

    # an env added to the service by hand is named with the service
    swarm.update(cache, "--env-add", "X_BY_HAND=1")
    swarm.wait_running(cache, locked_cache, 1)
    r = _check(root, target)
    assert r.exit_code == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "X_BY_HAND" in ln)
    assert f"service {cache}'s spec" in line and "[services.cache].env" in line

    # deploy puts it back
    r = _deploy(root, swarm)
    assert r.exit_code == 0, r.stderr
    assert _check(root, target).exit_code == 0
    assert "worker=jobs" in wait_for_text(host_port, "worker=jobs", timeout=60)
