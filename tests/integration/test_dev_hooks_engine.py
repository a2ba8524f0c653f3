"""The dev hooks a compiled runtime needs (issue 10), on the real engine:
``dev_volumes`` mount named volumes in dev only, and ``dev_build`` runs in
the dev container before the app starts. Exercised with the Python runtime
wearing the hooks, as a Go-like runtime would."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devparity import runtimes
from devparity.runtimes.plugin import DevVolume
from devparity.runtimes.python import PythonRuntime
from tests.support import free_port, python_project, run_cli

CACHE = "/tmp/devparity-test-cache"


class Compiled(PythonRuntime):
    def dev_volumes(self, config: object) -> tuple[DevVolume, ...]:  # type: ignore[override]
        return (DevVolume("cache", CACHE),)

    def dev_build(self, config: object) -> str | None:  # type: ignore[override]
        return f"echo built >> {CACHE}/stamp"


def test_dev_volume_and_build_step(tmp_path: Path, project_name: str, engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runtimes.RUNTIMES, "python", Compiled())
    dev = free_port()
    python_project(tmp_path, project_name, extra_toml=f'\n[prod]\nports = {{ 8000 = {free_port()} }}\n')
    toml = (tmp_path / "devparity.toml").read_text().replace("[dev]\n", f'[dev]\nports = {{ "8000" = {dev} }}\n', 1)
    (tmp_path / "devparity.toml").write_text(toml)
    api = engine.api  # type: ignore[attr-defined]
    volume = None
    try:
        got = run_cli("up", "dev", "--detach", cwd=tmp_path)
        assert got.exit_code == 0, got.stderr
        (c,) = api.containers(filters={"label": [f"devparity.project={project_name}", "devparity.role=dev"]})
        mounts = api.inspect_container(c["Id"])["Mounts"]
        (vol,) = [m for m in mounts if m["Type"] == "volume"]
        volume = vol["Name"]
        assert vol["Destination"] == CACHE and volume.endswith("-cache")
        deadline = time.monotonic() + 20
        out = ""
        while time.monotonic() < deadline and "built" not in out:
            exec_id = api.exec_create(c["Id"], ["cat", f"{CACHE}/stamp"])
            out = api.exec_start(exec_id).decode()
            time.sleep(0.2)
        assert "built" in out  # the build step ran in the dev container, into the volume
        assert api.inspect_volume(volume)["Labels"]["devparity.project"] == project_name
        assert run_cli("down", cwd=tmp_path).exit_code == 0
        assert api.inspect_volume(volume)  # a cache outlives the container
        pruned = run_cli("prune", cwd=tmp_path)
        assert pruned.exit_code == 0, pruned.stderr
        assert not api.volumes(filters={"name": volume}).get("Volumes")
        volume = None
    finally:
        run_cli("down", cwd=tmp_path)
        if volume:
            api.remove_volume(volume, force=True)
