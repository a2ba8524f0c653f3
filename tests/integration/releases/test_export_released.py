"""Exports of a released lock (issue 11 with issue 9's release): the
devcontainer and the compose file name the image by its registry digest,
and the Dev Containers CLI runs that very image id."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from devparity import project as project_mod
from devparity.export import devcontainer
from tests.support import run_cli
from tests.support.tools import devcontainer_cli


def test_a_released_image_is_opened_by_digest(project: Path, registry: str, engine: Any) -> None:
    cli = devcontainer_cli()
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    release = project_mod.load(project).lock.release  # type: ignore[union-attr]
    assert release is not None
    by_digest = f"{release.repository}@{release.digest}"

    assert run_cli("export", "devcontainer", cwd=project).exit_code == 0
    text = (project / ".devcontainer" / "devcontainer.json").read_text()
    assert devcontainer.parse(text)["image"] == by_digest
    assert "as released" in text  # the comment says which
    assert run_cli("export", "compose", cwd=project).exit_code == 0
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    assert services["dev"]["image"] == services["prod"]["image"] == by_digest

    up = subprocess.run([cli, "up", "--workspace-folder", str(project)], capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        outcome = json.loads(up.stdout.strip().splitlines()[-1])
        assert engine.api.inspect_container(outcome["containerId"])["Image"] == release.image_id
    finally:
        for c in engine.api.containers(all=True, filters={"label": [f"devcontainer.local_folder={project}"]}):
            engine.api.remove_container(c["Id"], force=True)
