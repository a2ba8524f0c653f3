"""Fixtures of the remote-engine tests (issue 9). They use the fixed port
2375 and a second dockerd (scripts/remote-engine), so they carry the
``remote`` marker and run after the others (tests/conftest.py orders them);
a lock file keeps two pytest sessions from sharing the engine's port at once.
The engine is left running (scripts/test starts it; a second run reuses its
image cache); each test removes what its project made there, by label."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import remove_by_project, unique_name
from tests.support.remote_engine import LOCK, RemoteEngine

LOCK_WAIT = 900


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "remote" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.remote)


def _unusable() -> str | None:
    if os.geteuid() != 0:
        return "the remote-engine tests start a second dockerd and sshd and need root"
    for tool in ("dockerd", "docker", "unshare", "sshd", "ssh"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"the remote-engine tests need {tool} (scripts/engine installs it)"
    return None


@pytest.fixture(scope="session")
def remote() -> Iterator[RemoteEngine]:
    reason = _unusable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail(f"another test session has held {LOCK} for {LOCK_WAIT} s")
            time.sleep(1)
    try:
        yield RemoteEngine.start()
    finally:
        os.close(fd)


@pytest.fixture
def remote_project(remote: RemoteEngine, engine: object) -> Iterator[tuple[str, Path]]:
    """A unique project name and a directory the remote engine cannot see;
    what it made on either engine goes after."""
    name = unique_name("dpr")
    root = remote.projects / name
    yield name, root
    client = remote.client()
    try:
        remove_by_project(name, client)
    finally:
        client.close()
    remove_by_project(name, engine)
    shutil.rmtree(root, ignore_errors=True)
