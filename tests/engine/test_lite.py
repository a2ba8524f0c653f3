"""devparity.engine.lite, the standard-library client of the plain JSON calls
(issue 10): what it asks, how the engine's answers and failures become
devparity's errors (through the same mapped_errors as the SDK's), and which
addresses it takes. Against a fake engine on a Unix socket; the real engine
is in tests/integration/test_lite_engine.py."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devparity import engine
from devparity.engine import lite, mapped_errors
from devparity.errors import Conflict, EngineError, EngineUnavailable, ImageNotFound, NotFound, PortInUse


class FakeEngine:
    """Answers each request with the next (status, body) of ``answers`` and
    records the request lines."""

    def __init__(self, path: Path, answers: list[tuple[int, object]], delay: float = 0) -> None:
        # every client pings first (as the SDK starts)
        self.path, self.answers, self.requests = path, [(200, "OK"), *answers], []  # type: ignore[var-annotated]
        self.delay = delay
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(str(path))
        self.srv.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data.split(b"\r\n", 1)[0].decode())
                status, body = self.answers.pop(0)
                if self.delay and len(self.requests) > 1:
                    time.sleep(self.delay)
                raw = json.dumps(body).encode()
                conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (status, len(raw), raw))

    def close(self) -> None:
        self.srv.close()


@pytest.fixture
def sock(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "engine.sock"


def client(path: Path) -> lite.Lite:
    return lite.Lite(str(path), first_timeout=2, timeout=2)


def test_calls_are_the_engines_json_api(sock: Path) -> None:
    fake = FakeEngine(sock, [(200, [{"Id": "c1"}]), (200, [{"Id": "sha256:i"}]), (204, None), (200, {"Descriptor": {"digest": "sha256:d"}})])
    try:
        c = client(sock)
        assert c.containers(all=True, filters={"label": ["devparity.project=p"]}) == [{"Id": "c1"}]
        assert c.images(filters={"label": ["a=b"]}) == [{"Id": "sha256:i"}]
        c.remove_container("c1", force=True)
        assert c.distribution_digest("127.0.0.1:5000/x/py:3.11") == "sha256:d"
    finally:
        fake.close()
    assert fake.requests[0] == "GET /_ping HTTP/1.0"  # once, first
    assert fake.requests[1].startswith("GET /containers/json?all=1&filters=")
    assert "devparity.project%3Dp" in fake.requests[1]
    assert fake.requests[2].startswith("GET /images/json?filters=")
    assert fake.requests[3] == "DELETE /containers/c1?force=1&v=0 HTTP/1.0"
    assert fake.requests[4] == "GET /distribution/127.0.0.1:5000/x/py:3.11/json HTTP/1.0"


@pytest.mark.parametrize(
    ("status", "message", "missing", "expected"),
    [
        (404, "No such container: abc", NotFound, NotFound),
        (404, "No such image: sha256:1", NotFound, ImageNotFound),
        (404, "no such thing", ImageNotFound, ImageNotFound),
        (409, "removal of container abc is already in progress", NotFound, Conflict),
        (500, "Bind for 0.0.0.0:8000 failed: port is already allocated", NotFound, PortInUse),
        (500, "something else", NotFound, EngineError),
    ],
)
def test_error_statuses_map_as_the_sdks_do(sock: Path, status: int, message: str, missing: type[NotFound], expected: type) -> None:
    fake = FakeEngine(sock, [(status, {"message": message})])
    try:
        with pytest.raises(expected) as raised, mapped_errors("inspect x", missing=missing):
            client(sock).inspect_container("abc")
    finally:
        fake.close()
    assert type(raised.value) is expected
    assert message in str(raised.value)


def test_no_engine_is_engine_unavailable_naming_the_address(sock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
    with pytest.raises(EngineUnavailable) as raised, mapped_errors("list containers"):
        client(sock).containers(all=True)
    assert f"no Docker engine answers at unix://{sock}" in str(raised.value)


def test_a_wedged_engine_fails_after_the_first_timeout(sock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Accepts (the kernel does) and never answers: Unreachable after the
    first timeout, as the SDK's ping fails; an engine that answered before
    and then stalls is "did not answer in time"."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(sock))
    srv.listen(8)
    try:
        c = lite.Lite(str(sock), first_timeout=0.2, timeout=0.2)
        with pytest.raises(EngineUnavailable, match="no Docker engine answers at"), mapped_errors("list containers"):
            c.containers()
        c._answered = True
        with pytest.raises(EngineUnavailable, match="did not answer in time"), mapped_errors("list containers"):
            c.containers()
    finally:
        srv.close()


def test_a_busy_engine_gets_the_api_timeout_after_its_ping(sock: Path) -> None:
    """A slow answer to a real request (a busy engine: a large build under
    way) is waited for as the SDK waits: the ping's short timeout is only
    for the ping."""
    fake = FakeEngine(sock, [(200, [{"Id": "c1"}])], delay=0.6)
    try:
        assert lite.Lite(str(sock), first_timeout=0.3, timeout=5).containers() == [{"Id": "c1"}]
    finally:
        fake.close()


def test_an_answer_that_is_not_http_is_unreachable(sock: Path) -> None:
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(sock))
    srv.listen(8)

    def serve() -> None:
        conn, _ = srv.accept()
        conn.recv(65536)
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage\r\n\r\n")
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        with pytest.raises(lite.Unreachable):
            client(sock).containers()
    finally:
        srv.close()


@pytest.mark.parametrize(
    ("address", "path"),
    [
        ("unix:///var/run/docker.sock", "/var/run/docker.sock"),
        ("unix:///tmp/x y/d.sock", "/tmp/x y/d.sock"),
        ("unix://relative.sock", None),
        ("tcp://127.0.0.1:2375", None),
        ("ssh://user@host", None),
        ("bogus://x", None),
    ],
)
def test_only_a_local_socket_goes_without_the_sdk(address: str, path: str | None) -> None:
    assert lite.socket_path(address) == path


def test_api_is_lite_on_a_socket_and_the_sdk_elsewhere(monkeypatch: pytest.MonkeyPatch, sock: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
    assert isinstance(engine.api(), lite.Lite)
    sentinel = object()
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    monkeypatch.setattr(engine, "client", lambda: type("C", (), {"api": sentinel})())
    assert engine.api() is sentinel


def test_credentials_in_the_docker_config_keep_registry_calls_with_the_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    assert lite.needs_credentials() is False  # no config at all
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").write_text('{"auths": {}}')
    assert lite.needs_credentials() is False
    (tmp_path / "docker" / "config.json").write_text('{"credsStore": "desktop"}')
    assert lite.needs_credentials() is True
    (tmp_path / "docker" / "config.json").write_text("{damaged")
    assert lite.needs_credentials() is True
