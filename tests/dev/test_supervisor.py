"""The dev supervisor script, run by the host's /bin/sh (no engine): reload
restarts the app process, crashes are reported and wait for the next
reload, TERM stops everything promptly."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devparity.dev import supervisor

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")


class Supervised:
    def __init__(self, cwd: Path, argv: list[str], **env: str) -> None:
        self.proc = subprocess.Popen(
            ["sh", str(supervisor.host_path()), *argv],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **env},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.backlog: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 5.0) -> re.Match[str]:
        """The next line matching ``pattern``. Lines the previous call passed
        over are searched first: the app's first output and the supervisor's
        "app started" line come from two processes and may arrive in either
        order."""
        deadline = time.monotonic() + timeout
        backlog, self.backlog = self.backlog, []
        seen = []
        for i, line in enumerate(backlog):
            if m := re.search(pattern, line):
                self.backlog = backlog[i + 1 :]
                return m
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if m := re.search(pattern, line):
                self.backlog = seen
                return m
            seen.append(line)
        raise AssertionError(f"no line matching {pattern!r}; saw {backlog + seen}")

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def close(self) -> None:
        """TERM (the supervisor stops its app), KILL if that did not work."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=3)
        assert self.proc.stdout
        self.proc.stdout.close()


@pytest.fixture
def run(tmp_path: Path) -> Iterator[type[Supervised]]:
    started: list[Supervised] = []

    class Tracked(Supervised):
        def __init__(self, argv: list[str], **env: str) -> None:
            super().__init__(tmp_path, argv, **env)
            started.append(self)

    yield Tracked  # type: ignore[misc]
    for s in started:
        s.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split(") ")[1][0] != "Z"


APP = ["sh", "-c", 'echo "app $$ up"; exec sleep 30']


def test_reload_restarts_the_app_process(run: type[Supervised]) -> None:
    s = run(APP)
    first = int(s.expect(r"\[devparity\] app started \(pid (\d+)\)").group(1))
    s.expect(r"app \d+ up")
    s.signal(signal.SIGUSR1)
    second = int(s.expect(r"\[devparity\] app started \(pid (\d+)\)").group(1))
    assert second != first
    assert not alive(first)
    assert s.proc.poll() is None  # the supervisor itself keeps running


def test_crash_is_reported_and_waits_for_a_reload(run: type[Supervised], tmp_path: Path) -> None:
    app = "if [ -f crashed ]; then echo recovered; exec sleep 30; fi; touch crashed; echo boom; exit 3"
    s = run(["sh", "-c", app])
    s.expect("boom")
    s.expect(r"\[devparity\] app exited with code 3")
    with pytest.raises(AssertionError):
        s.expect("app started", timeout=0.5)  # no automatic restart
    s.signal(signal.SIGUSR1)
    s.expect(r"app started")
    s.expect("recovered")


def test_term_stops_app_and_supervisor_quickly(run: type[Supervised]) -> None:
    s = run(APP)
    pid = int(s.expect(r"app started \(pid (\d+)\)").group(1))
    s.expect("up")
    t0 = time.monotonic()
    s.signal(signal.SIGTERM)
    assert s.proc.wait(timeout=3) == 0
    assert time.monotonic() - t0 < 4  # well before the 5 s grace: the app took TERM at once
    assert not alive(pid)


def test_detached_mode_exits_with_the_app(run: type[Supervised]) -> None:
    s = run(["sh", "-c", "exit 5"], DEVPARITY_ON_EXIT="exit")
    assert s.proc.wait(timeout=5) == 5


def test_signal_mode_forwards_the_signal(run: type[Supervised]) -> None:
    app = "trap 'echo got-hup' HUP; echo ready; while :; do sleep 0.05; done"
    s = run(["sh", "-c", app], DEVPARITY_RELOAD="signal:HUP")
    pid = int(s.expect(r"app started \(pid (\d+)\)").group(1))
    s.expect("ready")
    s.signal(signal.SIGUSR1)
    s.expect(r"\[devparity\] app signalled HUP")
    s.expect("got-hup")
    assert alive(pid)  # signalled, not restarted


def test_none_mode_leaves_a_live_app_alone(run: type[Supervised]) -> None:
    s = run(APP, DEVPARITY_RELOAD="none")
    pid = int(s.expect(r"app started \(pid (\d+)\)").group(1))
    s.signal(signal.SIGUSR1)
    with pytest.raises(AssertionError):
        s.expect("app started", timeout=0.5)
    assert alive(pid)


def test_script_ships_as_package_data() -> None:
    text = supervisor.text()
    assert text.startswith("#!/bin/sh")
    assert supervisor.host_path().is_file()


def test_an_app_ignoring_term_is_killed_after_the_grace_period(run: type[Supervised]) -> None:
    s = run(["sh", "-c", "trap '' TERM; echo stubborn; while :; do sleep 0.05; done"], DEVPARITY_GRACE="1")
    first = int(s.expect(r"app started \(pid (\d+)\)").group(1))
    s.expect("stubborn")
    t0 = time.monotonic()
    s.signal(signal.SIGUSR1)
    s.expect(r"app started \(pid (\d+)\)", timeout=5)
    assert 0.8 < time.monotonic() - t0 < 3
    assert not alive(first)


# DEVPARITY_BUILD: a compiled runtime's build step (runtimes.plugin dev_build)
BUILD = 'n=$(cat builds 2>/dev/null || echo 0); n=$((n+1)); echo $n > builds; echo "built $n"; [ ! -f broken ]'
BUILT_APP = ["sh", "-c", 'echo "serving build $(cat builds)"; exec sleep 30']


def test_build_runs_before_each_start(run: type[Supervised], tmp_path: Path) -> None:
    s = run(BUILT_APP, DEVPARITY_BUILD=BUILD)
    s.expect(r"\[devparity\] building")
    s.expect("built 1")
    s.expect(r"app started")
    s.expect("serving build 1")
    s.signal(signal.SIGUSR1)
    s.expect("built 2")
    s.expect("serving build 2")


def test_a_failed_build_is_reported_and_the_next_reload_tries_again(run: type[Supervised], tmp_path: Path) -> None:
    (tmp_path / "broken").touch()
    s = run(BUILT_APP, DEVPARITY_BUILD=BUILD)
    s.expect(r"\[devparity\] build failed with code 1")
    with pytest.raises(AssertionError):
        s.expect("app started", timeout=0.5)
    (tmp_path / "broken").unlink()
    s.signal(signal.SIGUSR1)
    s.expect(r"app started")
    s.expect("serving build 2")


def test_term_during_a_long_build_stops_promptly(run: type[Supervised]) -> None:
    s = run(BUILT_APP, DEVPARITY_BUILD="echo compiling; sleep 30")
    s.expect("compiling")
    t0 = time.monotonic()
    s.signal(signal.SIGTERM)
    s.proc.wait(timeout=5)
    assert time.monotonic() - t0 < 4


def test_detached_mode_exits_when_the_build_fails(run: type[Supervised]) -> None:
    s = run(BUILT_APP, DEVPARITY_BUILD="exit 2", DEVPARITY_ON_EXIT="exit")
    assert s.proc.wait(timeout=5) == 1
