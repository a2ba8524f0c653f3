"""The reload storm (issue 11, point 9b) against the real engine: `devparity
up > up.log` in the project root with an app that prints as it starts, and
an app that appends to its own log in the project, each make fewer than 5
reloads in 10 s, and an edit still reloads."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support import cli_process, python_project, wait_for_text
from tests.support.app import APP_PY
from tests.support.cli import command, process_env
from tests.support.web import free_port

pytestmark = pytest.mark.engine

PRINTS = APP_PY.replace("http.server.ThreadingHTTPServer(", 'print("starting", VERSION, flush=True)\nhttp.server.ThreadingHTTPServer(')
OWN_LOG = APP_PY.replace(
    "http.server.ThreadingHTTPServer(", 'open("app.log", "a").write("started\\n")\nhttp.server.ThreadingHTTPServer('
)


class Foreground:
    """`devparity up` with stdout to a file (None: a pipe) and stderr read."""

    def __init__(self, root: Path, stdout: Path | None) -> None:
        self.out = stdout.open("w") if stdout else subprocess.DEVNULL
        self.proc = subprocess.Popen(command("up"), cwd=root, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.PIPE, text=True, env=process_env())
        self.err: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line.rstrip("\n"))

    def reloads(self) -> int:
        return sum("reload #" in line for line in list(self.err))

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.reader.join(10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        if self.out is not subprocess.DEVNULL:
            self.out.close()  # type: ignore[union-attr]


def run_storm(root: Path, port: int, stdout: Path | None) -> Foreground:
    assert cli_process("build", "-q", cwd=root).code == 0
    up = Foreground(root, stdout)
    assert wait_for_text(port, "v1 development", timeout=120)
    time.sleep(10)
    return up


def edit_reloads(up: Foreground, root: Path, port: int, app: str) -> None:
    before = up.reloads()
    (root / "app.py").write_text(app.replace('VERSION = "v1"', 'VERSION = "v2"'))
    assert wait_for_text(port, "v2 development", timeout=30)
    assert up.reloads() > before


def test_up_redirected_into_the_project_does_not_loop(project_name: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    (root / "app.py").write_text(PRINTS)
    up = run_storm(root, port, root / "up.log")
    try:
        assert up.reloads() < 5, up.err
        assert any("not reloading for up.log" in line for line in up.err), up.err
        assert "starting v1" in (root / "up.log").read_text()
        edit_reloads(up, root, port, PRINTS)
    finally:
        up.close()


def test_an_app_writing_its_own_log_stops_reloading_for_it(project_name: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    (root / "app.py").write_text(OWN_LOG)
    up = run_storm(root, port, None)
    try:
        assert up.reloads() < 5, up.err
        loops = [line for line in up.err if "reload loop" in line]
        assert len(loops) == 1 and 'ignore = ["app.log"]' in loops[0], up.err
        edit_reloads(up, root, port, OWN_LOG)
    finally:
        up.close()
