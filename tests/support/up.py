"""``Up``: a foreground ``devparity up`` in the background of a test or a
benchmark, its stdout and stderr lines collected as they come."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from tests.support.cli import command, process_env


class Up:
    """``devparity up ARGS`` in ``root``; ``env`` overlays the environment."""

    def __init__(self, root: Path, *args: str, prefix: Sequence[str] = (), env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command("up", *args, prefix=prefix),
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=process_env(env),
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
    def _read(stream: IO[str] | None, into: list[str]) -> None:
        assert stream is not None
        for line in stream:
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
            time.sleep(0.01)
        raise AssertionError(f"no stderr line matching {pattern!r} (exit {self.proc.poll()}):\n{self.stderr}")

    def interrupt(self, timeout: float = 10) -> tuple[int, float]:
        """SIGINT, as Ctrl-C does; returns (exit code, seconds taken)."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - started

    def stop(self, timeout: float = 30) -> float:
        """Ctrl-C, then close; seconds until the process ended."""
        try:
            return self.interrupt(timeout)[1]
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self._readers:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
