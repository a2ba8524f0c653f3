"""Fixtures of the fault tests (issue 7). They SIGKILL and restart dockerd,
so they run on a private engine (tests/support/private_engine.py),
never the shared one. The session fixture starts it and removes every trace
of it at the end; ``faults_engine`` makes sure it answers before each test
(the previous one may have killed it). The CLI runs as a subprocess with
DOCKER_HOST pointing at it (devparity's engine client is a cached global).
Two pytest sessions (two helpers, CI) would stop each other's engine: a
lock file makes the second wait for the first."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.support import unique_name
from tests.support.private_engine import LOCK, PrivateEngine

LOCK_WAIT = 900  # seconds a second session waits for the first


def _unusable() -> str | None:
    if os.geteuid() != 0:
        return "the fault tests start a private dockerd and need root"
    if not shutil.which("dockerd") or not shutil.which("docker"):
        return "the fault tests need dockerd and the docker CLI (scripts/engine installs them)"
    if subprocess.run(["docker", "-H", "unix:///var/run/docker.sock", "version"], capture_output=True).returncode:
        return "the fault tests seed their engine from the shared one; run scripts/engine"
    return None


def _lock() -> int:
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                pytest.fail(f"another test session has held {LOCK} (the private engine) for {LOCK_WAIT} s")
            time.sleep(1)


@pytest.fixture(scope="session")
def _private_engine() -> Iterator[PrivateEngine]:
    reason = _unusable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    fd = _lock()
    eng = PrivateEngine()
    try:
        eng.start()
        yield eng
    finally:
        try:
            eng.stop()
        finally:
            os.close(fd)


@pytest.fixture
def faults_engine(_private_engine: PrivateEngine) -> PrivateEngine:
    """The private engine, answering (started again if a test killed it)."""
    _private_engine.start()
    return _private_engine


@pytest.fixture
def fault_project(faults_engine: PrivateEngine) -> Iterator[str]:
    """A unique project name; its containers on the private engine go after."""
    name = unique_name("dpf")
    yield name
    faults_engine.start()
    faults_engine.remove_project(name)
