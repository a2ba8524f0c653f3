"""Helpers for the `devparity up` integration tests: the CLI in a subprocess
with its output collected, HTTP polling on 127.0.0.1, and a tiny local
wheel (nothing can be downloaded during a build)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, prefix: Sequence[str] = (), timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess (``prefix``: e.g. setpriv to run as another user)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "devparity", *args],
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Up:
    """A `devparity up` running in the background; its output is collected."""

    def __init__(self, root: Path, *args: str, prefix: Sequence[str] = (), env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "devparity", "up", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for t in self._readers:
            t.start()

    @staticmethod
    def _read(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self.err)

    def wait_for(self, pattern: str, timeout: float = 60, start: int = 0) -> re.Match[str]:
        """The first stderr line (from index ``start``) matching ``pattern``."""
        deadline = time.monotonic() + timeout
        while True:
            exited = self.proc.poll() is not None
            if exited:  # let the readers drain what is left
                for t in self._readers:
                    t.join(timeout=2)
            for line in list(self.err[start:]):
                if m := re.search(pattern, line):
                    return m
            if exited or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        raise AssertionError(f"no stderr line matching {pattern!r} (exit {self.proc.poll()}):\n{self.stderr}")

    def interrupt(self, timeout: float = 10) -> tuple[int, float]:
        """SIGINT, as Ctrl-C does; returns (exit code, seconds taken)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self._readers:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def get(port: int, timeout: float = 1.0) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as r:
            return r.read().decode()
    except (urllib.error.URLError, http.client.HTTPException, OSError):  # mid-restart
        return None


def wait_for_text(port: int, want: str | Callable[[str], bool], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = get(port)
        if last is not None and (want(last) if callable(want) else want in last):
            return last
        time.sleep(0.01)
    raise AssertionError(f"127.0.0.1:{port} never served {want!r} (last: {last!r})")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))
