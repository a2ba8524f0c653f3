"""devparity.outage and the engine error mapping it relies on (issue 7);
the behaviour against a real dockerd is in tests/integration/faults."""

from __future__ import annotations

import threading
import time

import pytest

from devparity import engine
from devparity.dev import outage
from devparity.errors import EngineUnavailable


@pytest.mark.parametrize(
    ("raw", "want"),
    [("", outage.DEFAULT_WAIT), ("5", 5.0), ("0", 0.0), ("2.5", 2.5)]
    + [(bad, outage.DEFAULT_WAIT) for bad in ("x", "-1", "nan", "1e9")],
)
def test_wait_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, want: float) -> None:
    monkeypatch.setenv("DEVPARITY_ENGINE_WAIT", raw)
    assert outage.wait_limit() == want


def test_wait_for_engine_returns_once_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([False, False, True])
    monkeypatch.setattr(outage, "POLL", 0.01)
    assert outage.wait_for_engine(lambda timeout: next(answers), threading.Event(), 5) is True


def test_wait_for_engine_gives_up_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outage, "POLL", 0.01)
    started = time.monotonic()
    assert outage.wait_for_engine(lambda timeout: False, threading.Event(), 0.2) is False
    assert time.monotonic() - started < 2


def test_wait_for_engine_stops_on_ctrl_c() -> None:
    stop = threading.Event()
    assert outage.wait_for_engine(lambda timeout: stop.set() or False, stop, 60) is False


def test_health_check_is_due_every_period() -> None:
    h = outage.HealthCheck(every=2)
    now = time.monotonic()
    assert not h.due(now)
    assert h.due(now + 2.1)
    assert not h.due(now + 3)
    assert h.due(now + 4.2)


def _broken(exc: BaseException) -> None:
    with engine.mapped_errors("build"):
        raise exc


@pytest.mark.parametrize(
    "exc",
    [
        "requests.exceptions.ConnectionError",
        "requests.exceptions.ChunkedEncodingError",
        "urllib3.exceptions.ProtocolError",
        "requests.exceptions.ReadTimeout",
    ],
)
def test_an_engine_gone_mid_stream_is_engine_unavailable(exc: str) -> None:
    import importlib

    module, _, name = exc.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    with pytest.raises(EngineUnavailable, match="engine") as info:
        _broken(cls("Connection broken: IncompleteRead(0 bytes read)"))
    assert engine.engine_address() in str(info.value)
