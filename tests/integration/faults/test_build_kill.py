"""The engine killed (SIGKILL dockerd) in the middle of `devparity build`
(issue 7): exit 3 with one line naming the engine's address, the lock and
the previous image intact, nothing left in the project, and the next build
works once the engine is back."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support import cli_process, python_project
from tests.support.cli import command, process_env
from tests.support.private_engine import PrivateEngine
from tests.hostile.harness import listing

pytestmark = pytest.mark.faults

SLOW_INSTALL = 'install = "sleep 300 && pip install --no-cache-dir -r requirements.txt"'


def _build_in_background(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str], threading.Thread]:
    proc = subprocess.Popen(
        command("build"),
        cwd=root,
        env=process_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stderr), daemon=True)  # type: ignore[union-attr]
    reader.start()
    return proc, lines, reader


def test_engine_killed_during_build(faults_engine: PrivateEngine, fault_project: str, tmp_path: Path) -> None:
    env = faults_engine.env
    root = python_project(tmp_path / "app", fault_project, port=8000)
    for args in (("lock",), ("build",)):
        done = cli_process(*args, cwd=root, env=env, timeout=180)
        assert done.exit_code == 0, done.stderr
    previous = done.stdout.strip().splitlines()[-1]
    assert previous.startswith("sha256:"), done.stdout
    lock_bytes = (root / "devparity.lock").read_bytes()
    toml = root / "devparity.toml"
    original = toml.read_text()
    toml.write_text(original.replace('files = ["requirements.txt"]', f'files = ["requirements.txt"]\n{SLOW_INSTALL}'))
    before = listing(root)

    proc, lines, reader = _build_in_background(root, env)
    try:
        deadline = time.monotonic() + 120
        while not any("RUN sleep 300" in line for line in list(lines)):
            assert proc.poll() is None and time.monotonic() < deadline, "\n".join(lines)
            time.sleep(0.1)
        time.sleep(1)  # the step's container is running now
        faults_engine.kill()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        proc.stderr.close()  # type: ignore[union-attr]
    output = "\n".join(lines)
    assert code == 3, output
    assert "Traceback" not in output, output
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, output
    assert f"no Docker engine answers at {faults_engine.host}" in errors[0], output
    assert (root / "devparity.lock").read_bytes() == lock_bytes
    assert listing(root) == before, sorted(listing(root) - before)

    faults_engine.start()
    assert faults_engine.docker("image", "inspect", "--format", "{{.Id}}", previous).strip() == previous
    toml.write_text(original)
    again = cli_process("build", cwd=root, env=env, timeout=180)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == previous  # the previous image, not rebuilt
    forced = cli_process("build", "--force", cwd=root, env=env, timeout=300)
    assert forced.exit_code == 0, forced.stderr
    assert "Traceback" not in forced.stderr
