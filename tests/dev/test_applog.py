"""Marker parsing and crash-loop pacing for the dev loop (pure)."""

from __future__ import annotations

import pytest

from devparity.dev.applog import Backoff, Marker, parse_marker


@pytest.mark.parametrize(
    ("line", "marker"),
    [
        ("[devparity] app started (pid 42)", Marker("started", "42")),
        ("[devparity] app exited with code 3", Marker("exited", "3")),
        ("[devparity] app signalled HUP", Marker("signalled", "HUP")),
        ("[devparity] stopping", Marker("stopping", "")),
        ("[devparity] something else", None),
        ("GET / 200", None),
        ("  [devparity] app exited with code 3", None),  # only at the start of a line
    ],
)
def test_parse_marker(line: str, marker: Marker | None) -> None:
    assert parse_marker(line) == marker


def test_backoff_lets_a_single_crash_restart_at_once() -> None:
    b = Backoff()
    b.crashed(now=100.0, started_at=99.0)
    assert b.delay(100.0) == 0


def test_backoff_grows_in_a_crash_loop_and_is_capped() -> None:
    b = Backoff(window=10, base=0.5, cap=2.0)
    t = 100.0
    waits = []
    for _ in range(5):
        b.crashed(now=t, started_at=t - 0.2)
        waits.append(b.delay(t))
        t += 0.3
    assert waits == [0, 0.5, 1.0, 2.0, 2.0]
    assert b.delay(t + 10) == 0  # the wait counts from the crash


def test_backoff_resets_after_a_long_run() -> None:
    b = Backoff(window=10)
    b.crashed(now=100.0, started_at=99.9)
    b.crashed(now=101.0, started_at=100.9)
    assert b.delay(101.0) > 0
    b.crashed(now=200.0, started_at=150.0)  # ran for 50 s: not a loop
    assert b.delay(200.0) == 0
