"""The "remote" engines of issue 9's tests (scripts/remote-engine): a second
dockerd on tcp://127.0.0.1:2375 that cannot see the directory the sync tests
keep their projects in, and sshd on 127.0.0.1 whose sessions reach it."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.cli import REPO

SCRIPT = REPO / "scripts" / "remote-engine"
LOCK = "/run/lock/devparity-remote-engine.lock"  # two pytest sessions: one uses the fixed port at a time


@dataclass(frozen=True)
class RemoteEngine:
    host: str  # tcp://127.0.0.1:2375
    projects: Path  # the directory the engine cannot see
    ssh_host: str  # ssh://root@127.0.0.1:PORT
    ssh_bin: str  # a directory whose `ssh` knows the key and the host key

    @classmethod
    def start(cls) -> RemoteEngine:
        subprocess.run([str(SCRIPT), "start"], check=True, capture_output=True, timeout=300)
        out = subprocess.run([str(SCRIPT), "env"], check=True, capture_output=True, text=True).stdout
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return cls(env["DP_REMOTE_HOST"], Path(env["DP_REMOTE_PROJECTS"]), env["DP_REMOTE_SSH_HOST"], env["DP_REMOTE_SSH_BIN"])

    def client(self) -> Any:
        import docker

        return docker.DockerClient(base_url=self.host, timeout=60)

    def env(self, via: str = "tcp") -> dict[str, str]:
        """The environment of a devparity process reaching this engine ``via``
        tcp or ssh (for ssh: the wrapper first on PATH)."""
        path = f"{self.ssh_bin}:{os.environ.get('PATH', '')}"
        host = self.ssh_host if via == "ssh" else self.host
        return {"DOCKER_HOST": host, "PATH": path, "DOCKER_CONTEXT": ""}

    def context_env(self, config_dir: Path, name: str = "dp-remote") -> dict[str, str]:
        """A Docker config dir whose current context is this engine, as
        `docker context create` + `docker context use` leave it; no DOCKER_HOST."""
        env = {**os.environ, "DOCKER_CONFIG": str(config_dir)}
        env.pop("DOCKER_HOST", None)
        subprocess.run(["docker", "context", "create", name, "--docker", f"host={self.host}"], env=env, check=True, capture_output=True)
        subprocess.run(["docker", "context", "use", name], env=env, check=True, capture_output=True)
        assert json.loads((config_dir / "config.json").read_text())["currentContext"] == name
        return {"DOCKER_CONFIG": str(config_dir), "DOCKER_HOST": "", "DOCKER_CONTEXT": ""}
