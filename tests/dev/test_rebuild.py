"""The background runner behind a watching `up`'s rebuild (no engine)."""

from __future__ import annotations

import threading
import time

import pytest

from devparity.errors import BuildFailed
from devparity.dev.rebuild import Stopped, in_background


def test_returns_the_value() -> None:
    assert in_background(lambda: 42, threading.Event()) == 42


def test_reraises_on_the_callers_thread() -> None:
    def fail() -> None:
        raise BuildFailed("build failed at Step 6/16: pip said no")

    with pytest.raises(BuildFailed, match="pip said no"):
        in_background(fail, threading.Event())


def test_a_stop_does_not_wait_for_a_slow_build() -> None:
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        in_background(lambda: time.sleep(5), stop)
    assert time.monotonic() - started < 4  # returned without waiting for the 5 s "build"
