"""The exported devcontainer.json opened by the real Dev Containers CLI
(issue 11): it runs devparity's image id, not a derived one, publishes the
app on 127.0.0.1 only, and serves it without `devparity up`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import builder, plan, project
from devparity.export import devcontainer
from tests.support import free_port, python_project, run_cli, wait_for_text
from tests.support.tools import devcontainer_cli


@pytest.fixture
def opened(engine: Any, tmp_path: Path) -> Iterator[list[str]]:
    """Ids of the containers a test's `devcontainer up` made, removed after
    (they carry our image's labels too, so the project clean-up would find
    them; this also covers a failure before that)."""
    made: list[str] = []
    yield made
    for cid in made:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


def test_devcontainer_up_runs_the_locked_image_and_serves_the_app(
    project_name: str, tmp_path: Path, opened: list[str], engine: Any
) -> None:
    cli = devcontainer_cli()
    port = free_port()
    root = python_project(tmp_path / "p", project_name, port=port)
    assert run_cli("lock", cwd=root).exit_code == 0
    r = run_cli("export", "devcontainer", cwd=root)
    assert r.exit_code == 0, r.output
    doc = devcontainer.parse((root / ".devcontainer" / "devcontainer.json").read_text())
    image_id = builder.find_existing(plan.for_project(project.load(root)), with_source=False)
    assert image_id and doc["image"] == image_id

    up = subprocess.run([cli, "up", "--workspace-folder", str(root)], capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, up.stderr[-2000:]
    outcome = json.loads(up.stdout.strip().splitlines()[-1])
    opened.append(outcome["containerId"])
    assert outcome["outcome"] == "success"

    inspected = engine.api.inspect_container(outcome["containerId"])
    assert inspected["Image"] == image_id  # no UID-remapped derived image
    bindings = inspected["HostConfig"]["PortBindings"]
    assert bindings == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert wait_for_text(port, "v1 development", timeout=30).strip() == "v1 development"
    # the source is the live checkout at [app].workdir, as in `up`
    assert inspected["Config"]["WorkingDir"] == "/app"
    assert any(m["Destination"] == "/app" and m["Source"] == str(root) for m in inspected["Mounts"])
