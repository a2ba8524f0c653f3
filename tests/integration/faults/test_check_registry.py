"""The registry unreachable during `devparity check` (issue 7): the base rule
fails saying so and naming --offline, and every other rule still reports.

The base image is pushed (from the private engine) to a registry this test
starts on a free 127.0.0.1 port (Debian's docker-registry), locked from
there, and the registry is stopped before `check`."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import cli_process, free_port, python_project
from tests.support.private_engine import PrivateEngine

pytestmark = pytest.mark.faults


class Registry:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        root.mkdir(parents=True, exist_ok=True)
        config = root / "registry.yml"
        config.write_text(
            f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
            f"http:\n  addr: {self.addr}\n"
        )
        self.log = (root / "registry.log").open("w")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self.answers():
            assert self.proc.poll() is None, (root / "registry.log").read_text()
            assert time.monotonic() < deadline, f"no registry on {self.addr} after 20 s"
            time.sleep(0.1)

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.addr}/v2/", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    if not shutil.which("docker-registry"):
        pytest.skip("needs Debian's docker-registry (scripts/engine installs it)")
    reg = Registry(tmp_path / "registry")
    try:
        yield reg
    finally:
        reg.stop()


def test_check_with_the_registry_gone(
    faults_engine: PrivateEngine, fault_project: str, registry: Registry, tmp_path: Path
) -> None:
    env = faults_engine.env
    base = f"{registry.addr}/python:3.11-slim"
    faults_engine.docker("tag", "python:3.11-slim", base)
    try:
        faults_engine.docker("push", base, timeout=300)
        root = python_project(tmp_path / "app", fault_project, port=8000)
        toml = root / "devparity.toml"
        toml.write_text(toml.read_text().replace('version = "3.11"', f'version = "3.11"\nbase_image = "{base}"'))
        locked = cli_process("lock", cwd=root, env=env, timeout=300)
        assert locked.exit_code == 0, locked.stderr
        assert json.loads((root / "devparity.lock").read_text())["base"]["source"] == "registry"
        online = cli_process("check", "--format", "json", cwd=root, env=env, timeout=300)
        assert online.exit_code in (0, 1), online.stderr  # parity, or a host warning under --strict only
        assert {r["id"]: r["status"] for r in json.loads(online.stdout)["rules"]}["base"] == "pass", online.stdout

        registry.stop()
        assert not registry.answers()
        gone = cli_process("check", "--format", "json", cwd=root, env=env, timeout=300)
        assert gone.exit_code == 1, gone.stdout + gone.stderr
        assert "Traceback" not in gone.stdout + gone.stderr
        report = json.loads(gone.stdout)
        status = {r["id"]: r["status"] for r in report["rules"]}
        assert status["base"] == "fail", report
        assert status["lock"] == "pass" and status["image"] == "pass", report  # the other rules still ran
        [finding] = [f for f in report["findings"] if f["rule"] == "base"]
        assert finding["severity"] == "error"
        assert "cannot be reached" in finding["message"] and "--offline" in finding["fix"], finding

        offline = cli_process("check", "--offline", "--format", "json", cwd=root, env=env, timeout=300)
        assert offline.exit_code == 0, offline.stdout + offline.stderr
        assert {r["id"]: r["status"] for r in json.loads(offline.stdout)["rules"]}["base"] == "skipped"
    finally:
        subprocess.run(["docker", "-H", faults_engine.host, "rmi", base], capture_output=True, timeout=60)
