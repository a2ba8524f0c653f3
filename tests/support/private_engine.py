"""The private engine the fault tests restart and kill (issue 7), driven
through scripts/private-engine: a second dockerd with its own socket, data
root, exec root, pid file and bridge, seeded with python:3.11-slim from the
shared engine, which these tests never touch. The fixtures are in
tests/integration/faults/conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "private-engine"
LOCK = Path("/run/dp-faults.lock")  # one pytest session at a time drives the private engine
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
