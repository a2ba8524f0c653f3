"""devparity.readiness without the engine: what counts as an answer on a
published port (the proxy's accept-then-close is not one), the wait loop's
decisions over a faked container, and the timeout's error."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from devparity import loopback, readiness
from devparity.engine.specs import ContainerSpec, PortBinding
from devparity.errors import EXIT_ENGINE, NotReady


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[socket.socket]]]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    kept: list[socket.socket] = []
    yield s, kept
    for c in kept:
        c.close()
    s.close()


def accept(s: socket.socket, kept: list[socket.socket], *, close: bool) -> threading.Thread:
    def run() -> None:
        conn, _ = s.accept()
        if close:  # what docker-proxy does when the app refuses it
            conn.close()
        else:
            kept.append(conn)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_an_accepted_connection_that_stays_open_is_an_answer(server: Any) -> None:
    s, kept = server
    accept(s, kept, close=False)
    assert readiness.answers(s.getsockname()[1], grace=0.2)


def test_an_accept_closed_at_once_is_not_an_answer(server: Any) -> None:
    s, kept = server
    accept(s, kept, close=True)
    assert not readiness.answers(s.getsockname()[1], grace=0.5)


def test_a_refused_port_is_not_an_answer() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not readiness.answers(port)


def spec(*ports: PortBinding, role: str = "dev", command: tuple[str, ...] = ("sh", "/s.sh", "flask", "run")) -> ContainerSpec:
    return ContainerSpec(name="p-dev", role=role, image="sha256:x", command=command, env={"API_TOKEN": "hunter22"},
                         user=None, mounts=(), ports=ports, labels={}, working_dir="/app")


LOOP = loopback.Listener("127.0.0.1", 5000, True)
ANY = loopback.Listener("0.0.0.0", 5000, False)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"listeners": [[]], "answers": True, "logs": ["boot", "token hunter22"]}

    def listeners(t: readiness.Target, local: bool) -> list[loopback.Listener] | None:
        seq = state["listeners"]
        return seq.pop(0) if len(seq) > 1 else seq[0]

    monkeypatch.setattr(readiness, "_listeners", listeners)
    monkeypatch.setattr(readiness, "answers", lambda port, grace=0.0: state["answers"])
    monkeypatch.setattr(readiness.probes, "is_local", lambda: True)
    monkeypatch.setattr(readiness, "connects_here", lambda: True)
    monkeypatch.setattr(readiness.containers, "logs", lambda cid, follow, tail: None)
    monkeypatch.setattr(readiness.containers, "lines", lambda raw: iter(state["logs"]))
    return state


def test_ready_once_the_port_listens_beyond_loopback_and_answers(fake: dict[str, Any]) -> None:
    fake["listeners"] = [[], [], [ANY]]
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    assert readiness.wait([t], timeout=5) == []
    assert t.answered == {15000}


def test_a_container_without_ports_is_ready_when_it_runs(fake: dict[str, Any]) -> None:
    assert readiness.wait([readiness.Target(spec(), "c1")], timeout=5) == []


def test_the_loopback_trap_warns_once_naming_the_framework_fix(fake: dict[str, Any]) -> None:
    fake["listeners"] = [[LOOP]]
    said: list[str] = []
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    late = readiness.wait([t], timeout=0.05, warn=said.append)
    assert late == [t] and len(said) == 1
    assert "127.0.0.1:5000" in said[0] and "flask run --host 0.0.0.0" in said[0]
    err = readiness.timed_out(late, 0.05)
    assert "loopback only" in str(err) and err.exit_code == EXIT_ENGINE


def test_a_listener_the_proxy_cannot_reach_is_not_ready(fake: dict[str, Any]) -> None:
    fake["listeners"], fake["answers"] = [[ANY]], False
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    assert readiness.wait([t], timeout=0.05) == [t]


def test_a_stopped_container_fails_with_its_masked_log_lines(fake: dict[str, Any]) -> None:
    fake["listeners"] = [None]
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    with pytest.raises(NotReady) as caught:
        readiness.wait([t], timeout=5)
    assert "dev stopped before it answered" in str(caught.value)
    assert caught.value.log_tail[0] == "boot" and "hunter22" not in " ".join(caught.value.log_tail)


def test_the_timeout_names_the_container_and_its_port(fake: dict[str, Any]) -> None:
    fake["listeners"] = [[]]
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    err = readiness.timed_out(readiness.wait([t], timeout=0.02), 0.02)
    assert "dev did not answer on http://127.0.0.1:15000 within 0.02s" in str(err)


def test_a_stop_event_ends_the_wait(fake: dict[str, Any]) -> None:
    fake["listeners"] = [[]]
    stop = threading.Event()
    stop.set()
    t = readiness.Target(spec(PortBinding(5000, "127.0.0.1", 15000)), "c1")
    assert readiness.wait([t], timeout=60, stop=stop) == [t]
