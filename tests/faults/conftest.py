"""The private engine the fault tests restart and kill (issue 7).

These tests SIGKILL and restart dockerd, so they never use the shared
engine: scripts/private-engine runs a second dockerd with its own socket,
data root, exec root, pid file and bridge, seeded with python:3.11-slim
from the shared engine. The session fixture starts it and removes every
trace of it at the end; ``faults_engine`` makes sure it answers before each
test (the previous test may have killed it). The CLI runs as a subprocess
with DOCKER_HOST pointing at it (devparity's client is a cached global).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "private-engine"
NAME = "dp-faults"
HOST = f"unix:///run/{NAME}/docker.sock"


@dataclass
class PrivateEngine:
    host: str = HOST

    @property
    def env(self) -> dict[str, str]:
        return {"DOCKER_HOST": self.host}

    def _script(self, action: str, timeout: float = 120) -> None:
        proc = subprocess.run(
            [str(SCRIPT), action], env={**os.environ, "DP_ENGINE_NAME": NAME}, capture_output=True, text=True, timeout=timeout
        )
        assert proc.returncode == 0, f"scripts/private-engine {action} failed ({proc.returncode}):\n{proc.stderr}"

    def start(self) -> None:
        self._script("start")

    def restart(self) -> None:
        self._script("restart")

    def kill(self) -> None:
        """SIGKILL dockerd (as an OOM killer or a crash would)."""
        self._script("kill")

    def stop(self) -> None:
        self._script("stop")

    def answers(self) -> bool:
        return subprocess.run(["docker", "-H", self.host, "version"], capture_output=True, timeout=30).returncode == 0

    def docker(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(["docker", "-H", self.host, *args], capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, f"docker {' '.join(args)} failed:\n{proc.stderr}"
        return proc.stdout

    def containers(self, project: str) -> list[dict[str, Any]]:
        """``docker ps -a`` rows of a project's containers (by label)."""
        out = self.docker("ps", "-a", "--no-trunc", "--filter", f"label=devparity.project={project}", "--format", "{{json .}}")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def remove_project(self, project: str) -> None:
        if not self.answers():
            return
        for c in self.containers(project):
            subprocess.run(["docker", "-H", self.host, "rm", "-f", c["ID"]], capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def _private_engine() -> Iterator[PrivateEngine]:
    reason = None
    if os.geteuid() != 0:
        reason = "the fault tests start a private dockerd and need root"
    elif not shutil.which("dockerd") or not shutil.which("docker"):
        reason = "the fault tests need dockerd and the docker CLI (scripts/engine installs them)"
    elif subprocess.run(["docker", "-H", "unix:///var/run/docker.sock", "version"], capture_output=True).returncode:
        reason = "the fault tests seed their engine from the shared one; run scripts/engine"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    eng = PrivateEngine()
    eng.start()
    try:
        yield eng
    finally:
        eng.stop()


@pytest.fixture
def faults_engine(_private_engine: PrivateEngine) -> PrivateEngine:
    """The private engine, answering (started again if a test killed it)."""
    _private_engine.start()
    return _private_engine


@pytest.fixture
def fault_project(faults_engine: PrivateEngine) -> Iterator[str]:
    """A unique project name; its containers on the private engine go after."""
    from tests.helpers import unique_name

    name = unique_name("dpf")
    yield name
    faults_engine.start()
    faults_engine.remove_project(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
