"""The exported compose.yaml run by a real Compose (Debian's docker-compose
1.29, issue 11): `config` accepts it, `--profile dev up -d` serves the app
from devparity's image id on 127.0.0.1 only, its service answers by name on
the role's network once healthy, and a `$` in an env value arrives as written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from devparity import builder, plan, project
from tests.support import REPO, free_port, python_project, run_cli, wait_for_text
from tests.support.tools import docker_compose

SERVICE = """
[services.db]
image = "python:3.11-slim"
command = ["python", "-m", "http.server", "5432"]
ready = { tcp = 5432, timeout = 60 }
data = "/data"
"""


def compose(root: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [docker_compose(), "-p", name, "-f", str(root / "compose.yaml"), "--profile", "dev", "--profile", "prod", *args],
        cwd=root, capture_output=True, text=True, timeout=300,
    )


def test_compose_config_accepts_it_and_up_serves_the_app(project_name: str, tmp_path: Path, engine: Any) -> None:
    port = free_port()
    root = python_project(tmp_path / "p", project_name, port=port, extra_toml=SERVICE)
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace('APP_ENV = "development"', 'APP_ENV = "development", PRICE = "$5 ${X}"'))
    assert run_cli("lock", cwd=root).exit_code == 0  # pins the service's image too (local-only here: its id)
    r = run_cli("export", "compose", cwd=root)
    assert r.exit_code == 0, r.output
    written = yaml.safe_load((root / "compose.yaml").read_text())
    assert written["services"]["db-dev"]["image"] == engine.api.inspect_image("python:3.11-slim")["Id"]
    image_id = builder.find_existing(plan.for_project(project.load(root)), with_source=False)

    checked = compose(root, project_name, "config")
    assert checked.returncode == 0, checked.stderr
    try:
        up = subprocess.run(
            [docker_compose(), "-p", project_name, "-f", str(root / "compose.yaml"), "--profile", "dev", "up", "-d"],
            cwd=root, capture_output=True, text=True, timeout=300,
        )
        assert up.returncode == 0, up.stderr
        assert wait_for_text(port, "v1 development", timeout=60).strip() == "v1 development"
        (dev,) = engine.api.containers(filters={"label": [f"com.docker.compose.project={project_name}",
                                                          "com.docker.compose.service=dev"]})
        inspected = engine.api.inspect_container(dev["Id"])
        assert inspected["Image"] == image_id
        assert inspected["HostConfig"]["PortBindings"] == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
        assert "PRICE=$5 ${X}" in inspected["Config"]["Env"]
        # the service answers as `db` on dev's network, and the app started after it was healthy
        reach = compose(root, project_name, "exec", "-T", "dev", "python", "-c",
                        "import socket; socket.create_connection(('db', 5432), timeout=5)")
        assert reach.returncode == 0, reach.stderr
        (db,) = engine.api.containers(filters={"label": [f"com.docker.compose.project={project_name}",
                                                         "com.docker.compose.service=db-dev"]})
        assert engine.api.inspect_container(db["Id"])["State"]["Health"]["Status"] == "healthy"
    finally:
        down = compose(root, project_name, "down", "-v", "--remove-orphans")
        assert down.returncode == 0, down.stderr


def test_the_services_example_runs_under_compose(project_name: str, tmp_path: Path, engine: Any) -> None:
    """examples/services (web + worker, Postgres and Redis): the exported
    file starts the services, waits for them healthy, and the page shows a
    Redis counter, a Postgres row and a job the worker did."""
    root = tmp_path / "services"
    shutil.copytree(REPO / "examples" / "services", root)
    port = free_port()
    toml = root / "devparity.toml"
    text = toml.read_text().replace('name = "services"', f'name = "{project_name}"')
    toml.write_text(text.replace('reload = "restart"', f'reload = "restart"\nports = {{ 8000 = {port} }}'))
    assert run_cli("lock", cwd=root).exit_code == 0
    assert run_cli("export", "compose", cwd=root).exit_code == 0
    try:
        up = subprocess.run(
            [docker_compose(), "-p", project_name, "--profile", "dev", "up", "-d"],
            cwd=root, capture_output=True, text=True, timeout=600,
        )
        assert up.returncode == 0, up.stderr
        page = wait_for_text(port, "(postgres)", timeout=120)
        assert "env development" in page and "(redis)" in page, page
        # each request queues a job: the worker (a process, the app's image) takes it
        page = wait_for_text(port, lambda body: "jobs done 0," not in body, timeout=60, poll=0.5)
        assert "by w" in page or "last visit-" in page, page
    finally:
        compose(root, project_name, "down", "-v", "--remove-orphans")
