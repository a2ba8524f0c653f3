"""Hostile corpus, faults part (issue 7): the engine is not there, not a
socket, refuses, hangs up, or accepts and never answers. Every command that
needs it exits 3 with one line naming the address, no traceback, nothing
left in the project; a wedged engine fails within the ping timeout instead
of the two-minute API timeout. (The faults that need a real engine, a
dockerd restarted or killed mid-command, are in tests/integration/faults.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, listing, make_project, run

ENGINE_COMMANDS = [
    ("build",),
    ("build", "--force", "--quiet"),
    ("up", "--detach"),
    ("up", "--detach", "--wait"),
    ("up",),
    ("up", "prod", "--detach"),
    ("check",),
    ("check", "--format", "json"),
    ("status",),
    ("status", "--json"),
    ("down",),
    ("down", "--volumes"),
    ("logs",),
    ("prune", "--dry-run"),
    ("exec", "--", "true"),
    ("snapshot", "dev"),
]


@pytest.fixture
def sockets(tmp_path: Path) -> Iterator[Path]:
    """A directory for the fake engines' sockets (outside every project)."""
    d = tmp_path / "sockets"
    d.mkdir()
    yield d


def _ids(cmd: tuple[str, ...]) -> str:
    return "-".join(a.lstrip("-") for a in cmd)


@pytest.mark.parametrize("cmd", ENGINE_COMMANDS, ids=_ids)
def test_no_engine_at_the_address(tmp_path: Path, sockets: Path, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = f"unix://{sockets / 'dead.sock'}"
    result = run(root, *cmd, env={"DOCKER_HOST": address})
    assert_clean(result, 3, mentions=("no Docker engine answers at", address), root=root, before=before)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain_file(sockets: Path) -> str:
    (sockets / "file.sock").write_text("not a socket\n")
    return f"unix://{sockets / 'file.sock'}"


def _fake_engine(path: Path, answer: bytes | None) -> str:
    """A unix socket that accepts each connection, reads the request and
    sends ``answer`` (None: closes at once), then closes; its address."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    srv.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            if answer is not None:
                try:
                    conn.recv(65536)
                    conn.sendall(answer)
                except OSError:
                    pass
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"unix://{path}"


def _hangs_up(sockets: Path) -> str:
    """A socket that accepts and closes at once (an engine dying on accept)."""
    return _fake_engine(sockets / "hangup.sock", None)


def _garbage(sockets: Path) -> str:
    """A socket that answers something that is not HTTP."""
    return _fake_engine(sockets / "garbage.sock", b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage\r\n\r\n")


FAKE_ENGINES = {
    "tcp-port-closed": lambda _s: f"tcp://127.0.0.1:{_closed_port()}",
    "socket-path-is-a-file": _plain_file,
    "socket-dir-missing": lambda s: f"unix://{s / 'no' / 'such' / 'dir' / 'docker.sock'}",
    "hangs-up-on-accept": _hangs_up,
    "answers-garbage": _garbage,
}


@pytest.mark.parametrize("kind", list(FAKE_ENGINES))
@pytest.mark.parametrize("cmd", [("build",), ("up",), ("check",), ("status",)], ids=_ids)
def test_an_engine_that_is_not_one(tmp_path: Path, sockets: Path, kind: str, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = FAKE_ENGINES[kind](sockets)
    result = run(root, *cmd, env={"DOCKER_HOST": address})
    assert_clean(result, 3, mentions=("no Docker engine answers at", address), root=root, before=before)


def test_a_wedged_engine_fails_within_the_ping_timeout(tmp_path: Path, sockets: Path) -> None:
    """A socket that accepts and never answers (a wedged dockerd): exit 3
    after the ping timeout (10 s), not the API timeout (120 s)."""
    from devparity.engine import PING_TIMEOUT

    root = make_project(tmp_path / "p")
    before = listing(root)
    path = sockets / "wedged.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    srv.listen(16)  # never accepted: the kernel completes the connect, nobody reads
    try:
        started = time.monotonic()
        result = run(root, "status", env={"DOCKER_HOST": f"unix://{path}"}, timeout=PING_TIMEOUT * 4)
        took = time.monotonic() - started
    finally:
        srv.close()
    assert_clean(result, 3, mentions=("no Docker engine answers at", f"unix://{path}"), root=root, before=before)
    assert took < PING_TIMEOUT * 2.5, took


def test_malformed_docker_host_is_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    result = run(root, "status", env={"DOCKER_HOST": "bogus://x"})
    assert_clean(result, 3, mentions=("no Docker engine answers at",), root=root, before=before)
