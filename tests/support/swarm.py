"""A single-node Swarm for the deploy and `check --target swarm://` tests
(issue 9), on a private engine of its own (scripts/private-engine with
DP_ENGINE_NAME=dp-swarm): `docker swarm init` never runs on the shared
engine. The engine runs with --iptables=false; a host-mode published port
still answers on 127.0.0.1 through docker-proxy, and it pulls from the
local registry on 127.0.0.1:5000. Swarm's own host bridge
(docker_gwbridge) is made first on a subnet of its own, so it cannot take
an address range the shared engine's networks may want.

What the session found it leaves: a swarm it initialised is left and its
bridge removed, an engine it started is stopped; services go by label."""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "private-engine"
NAME = "dp-swarm"
HOST = f"unix:///run/{NAME}/docker.sock"
LOCK = Path(f"/run/{NAME}.lock")
ENV = {"DP_ENGINE_NAME": NAME, "DP_ENGINE_BRIDGE": "br-dpsw", "DP_ENGINE_SUBNET": "172.30.77.1/24"}
GW_SUBNET = "172.30.78.0/24"
GW_BRIDGE = "dp-swgw"
ADDR_POOL = "10.231.0.0/16"


@dataclass
class SwarmEngine:
    host: str = HOST
    started: bool = False
    initialised: bool = False
    _lock_fd: int | None = field(default=None, repr=False)

    def docker(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        proc = subprocess.run(["docker", "-H", self.host, *args], capture_output=True, text=True, timeout=timeout)
        if check:
            assert proc.returncode == 0, f"docker {' '.join(args)} failed:\n{proc.stderr}"
        return proc.stdout

    def answers(self) -> bool:
        return subprocess.run(["docker", "-H", self.host, "version"], capture_output=True, timeout=30).returncode == 0

    def _script(self, action: str) -> None:
        proc = subprocess.run([str(SCRIPT), action], env={**os.environ, **ENV}, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, f"scripts/private-engine {action} failed:\n{proc.stderr}"

    def up(self) -> None:
        """Lock, start the engine and init the swarm, as needed."""
        self._lock_fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, f"another session holds {LOCK}"
                time.sleep(1)
        if not self.answers():
            self._script("start")
            self.started = True
        if self.docker("info", "-f", "{{.Swarm.LocalNodeState}}").strip() != "active":
            if not self.docker("network", "ls", "-q", "--filter", "name=^docker_gwbridge$").strip():
                self.docker(
                    "network", "create", "--subnet", GW_SUBNET,
                    "--opt", f"com.docker.network.bridge.name={GW_BRIDGE}",
                    "--opt", "com.docker.network.bridge.enable_icc=false",
                    "--opt", "com.docker.network.bridge.enable_ip_masquerade=false",
                    "docker_gwbridge",
                )  # fmt: skip
            self.docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--default-addr-pool", ADDR_POOL)
            self.initialised = True

    def down(self) -> None:
        try:
            if self.initialised:
                self.docker("swarm", "leave", "--force", check=False)
                self.docker("network", "rm", "docker_gwbridge", check=False)
            if self.started:
                self._script("stop")
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)

    def remove_services(self, project: str) -> None:
        ids = self.docker("service", "ls", "-q", "--filter", f"label=devparity.project={project}", check=False).split()
        if ids:
            self.docker("service", "rm", *ids, check=False)
        # task containers go with their service, a moment later
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.docker(
            "ps", "-aq", "--filter", f"label=devparity.project={project}", check=False
        ).strip():
            time.sleep(0.5)

    def tasks(self, service: str) -> list[dict[str, Any]]:
        import json

        out = self.docker("service", "ps", "--no-trunc", "--filter", "desired-state=running", "--format", "{{json .}}", service)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def task_containers(self, service: str) -> list[str]:
        return self.docker("ps", "-q", "--no-trunc", "--filter", f"label=com.docker.swarm.service.name={service}").split()

    def update(self, service: str, *args: str, timeout: float = 120) -> None:
        """`docker service update ARGS SERVICE`, returning once the rolling
        update completed (the old tasks are gone)."""
        self.docker("service", "update", "--detach", *args, service)
        deadline = time.monotonic() + timeout
        while True:
            state = self.docker("service", "inspect", "-f", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", service).strip()
            if state == "completed":
                return
            assert state not in ("paused", "rollback_completed", "rollback_paused"), f"update of {service}: {state}"
            assert time.monotonic() < deadline, f"update of {service} still {state or 'not started'}"
            time.sleep(0.5)

    def wait_running(self, service: str, image: str, count: int, timeout: float = 120) -> list[dict[str, Any]]:
        """The running tasks once ``count`` of them run ``image`` and no other."""
        deadline = time.monotonic() + timeout
        while True:
            rows = [t for t in self.tasks(service) if t["CurrentState"].startswith("Running")]
            if len(rows) == count and all(t["Image"] == image for t in rows):
                return rows
            assert time.monotonic() < deadline, f"tasks of {service}: {rows}"
            time.sleep(0.5)


def remove_networks_and_volumes(eng: SwarmEngine, project: str) -> None:
    """The project's overlay networks and named volumes (by label), once its
    services and their task containers are gone (remove_services)."""
    label = f"label=devparity.project={project}"
    nets = eng.docker("network", "ls", "-q", "--filter", label, check=False).split()
    deadline = time.monotonic() + 30
    while nets and time.monotonic() < deadline:  # a network frees a moment after its last task
        eng.docker("network", "rm", *nets, check=False)
        nets = eng.docker("network", "ls", "-q", "--filter", label, check=False).split()
        time.sleep(0.5) if nets else None
    vols = eng.docker("volume", "ls", "-q", "--filter", label, check=False).split()
    if vols:
        eng.docker("volume", "rm", "-f", *vols, check=False)
