"""The wheel, installed in a fresh venv and run from outside the source tree:
templates ship inside it and every command finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import REPO, python_project


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the built wheel installed (not editable); returns its bin dir."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(REPO)], check=True, timeout=300
    )
    wheel = next(work.glob("devparity-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    return venv / "bin"


def run(bindir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([bindir / "devparity", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_wheel_install_runs_outside_the_source_tree(installed: Path, tmp_path: Path, project_name: str) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    python_project(project, project_name)
    (project / "devparity.toml").unlink()
    init = run(installed, "init", cwd=project)
    assert init.returncode == 0, init.stderr
    assert "python 3.11 (from .python-version)" in init.stderr
    toml = project / "devparity.toml"
    toml.write_text(toml.read_text().replace(f'name = "{project.name}"', f'name = "{project_name}"'))

    where = subprocess.run(
        [installed / "python", "-c", "import devparity.render as r; print(r.templates_dir())"],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert str(REPO) not in where and "site-packages" in where

    assert "FROM python:3.11-slim" in run(installed, "render", cwd=project).stdout
    lock = run(installed, "lock", cwd=project)
    assert lock.returncode == 0, lock.stderr
    assert '"digest": "sha256:' in (project / "devparity.lock").read_text()
    assert run(installed, "lock", "--check", cwd=project).returncode == 0
    build = run(installed, "build", cwd=project)
    assert build.returncode == 0, build.stderr
    started = time.monotonic()
    again = run(installed, "build", cwd=project)
    elapsed = time.monotonic() - started
    assert again.returncode == 0 and "up to date" in again.stderr
    print(f"no-op build from the wheel install: {elapsed * 1000:.0f} ms")
    (project / "requirements.txt").write_text("six==1.16.0\n")
    stale = run(installed, "lock", "--check", cwd=project)
    assert stale.returncode == 1 and "requirements.txt" in stale.stderr
    for out in (init, lock, build, again, stale):
        assert "Traceback" not in out.stderr
