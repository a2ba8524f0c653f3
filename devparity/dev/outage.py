"""An engine outage under a watching ``devparity up`` (issue 7): dockerd
restarted (an upgrade, a daemon.json change) or killed. The session notices
(a periodic ping, or an engine call failing), says so once, waits a bounded
time for the engine, then brings its containers back (devparity.devloop);
if the engine stays away it stops with exit 3."""

from __future__ import annotations

import os
import threading
import time

from devparity import engine

# How long `up` waits for the engine to come back. A dockerd restart takes a
# few seconds (stopping containers, restoring state); a host reboot or an
# engine upgrade can take a minute. DEVPARITY_ENGINE_WAIT overrides it.
DEFAULT_WAIT = 120.0
PING_EVERY = 2.0  # seconds between health pings while the loop is idle
POLL = 0.5  # seconds between pings while waiting for the engine


def wait_limit() -> float:
    raw = os.environ.get("DEVPARITY_ENGINE_WAIT", "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_WAIT
    return value if 0 <= value < 86400 else DEFAULT_WAIT


def wait_for_engine(stop: threading.Event, limit: float) -> bool:
    """Ping until the engine answers (True), or ``limit`` seconds pass or
    ``stop`` is set (False)."""
    deadline = time.monotonic() + limit
    while not stop.is_set():
        if engine.answers(timeout=min(engine.PING_TIMEOUT, max(POLL, deadline - time.monotonic()))):
            return True
        if time.monotonic() >= deadline:
            return False
        stop.wait(POLL)
    return False


class HealthCheck:
    """Decides when the idle loop pings the engine (every PING_EVERY s)."""

    def __init__(self, every: float = PING_EVERY) -> None:
        self.every = every
        self.next_at = time.monotonic() + every

    def due(self, now: float) -> bool:
        if now < self.next_at:
            return False
        self.next_at = now + self.every
        return True
