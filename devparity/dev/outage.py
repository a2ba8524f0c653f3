"""An engine outage under a watching ``up`` (issue 7), and the end of a
container's log, which is how the session first hears of one: dockerd
restarted (an upgrade, a daemon.json change) or killed, ``devparity down``
removed the container, or it stopped. On an outage the session says so once,
waits a bounded time for the engine, then brings its containers back; if the
engine stays away it stops with exit 3."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from devparity import labels as L
from devparity import processes, ui
from devparity.engine import PING_TIMEOUT
from devparity.errors import EXIT_APP_ENDED, EXIT_ENGINE, DevparityError, EngineUnavailable
from devparity.roles import DEV

if TYPE_CHECKING:  # session imports this module: the types are for annotations only
    from devparity.dev.session import Running, Session

# How long `up` waits for the engine to come back. A dockerd restart takes a
# few seconds (stopping containers, restoring state); a host reboot or an
# engine upgrade can take a minute. DEVPARITY_ENGINE_WAIT overrides it.
DEFAULT_WAIT = 120.0
PING_EVERY = 2.0  # seconds between health pings while the loop is idle
POLL = 0.5  # seconds between pings while waiting for the engine
ENDED_GRACE = 2.5  # seconds a stopped container may take to be removed by `down`
GRACE_POLL = 0.1


def wait_limit() -> float:
    raw = os.environ.get("DEVPARITY_ENGINE_WAIT", "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_WAIT
    return value if 0 <= value < 86400 else DEFAULT_WAIT


def wait_for_engine(answers: Callable[[float], bool], stop: threading.Event, limit: float) -> bool:
    """Ping (``answers(timeout)``) until the engine answers (True), or
    ``limit`` seconds pass or ``stop`` is set (False)."""
    deadline = time.monotonic() + limit
    while not stop.is_set():
        if answers(min(PING_TIMEOUT, max(POLL, deadline - time.monotonic()))):
            return True
        if time.monotonic() >= deadline:
            return False
        stop.wait(POLL)
    return False


class HealthCheck:
    """Decides when the idle loop pings the engine (every PING_EVERY s)."""

    def __init__(self, every: float = PING_EVERY, *, now: float | None = None) -> None:
        self.every = every
        self.next_at = (time.monotonic() if now is None else now) + every

    def due(self, now: float) -> bool:
        if now < self.next_at:
            return False
        self.next_at = now + self.every
        return True


def ride_out(s: Session) -> None:
    """Report the outage once, wait for the engine, then bring every
    container back; without an engine within the limit, stop (exit 3)."""
    where, limit = s.engine.address(), wait_limit()
    for r in s.running.values():
        r.follower.close()
    s.pending = None
    ui.warn(f"the Docker engine at {where} stopped answering; waiting up to {limit:.0f}s for it (Ctrl-C to stop)")
    while True:
        started = time.monotonic()
        if not wait_for_engine(lambda timeout: s.engine.answers(timeout), s.stop, limit):
            if not s.stop.is_set():
                ui.error(f"the Docker engine at {where} did not come back within {limit:.0f}s; stopping")
                s.code = EXIT_ENGINE
                s.stop.set()
            return
        ui.ok(f"the Docker engine at {where} is back after {time.monotonic() - started:.1f}s")
        try:
            recover(s)
            return
        except EngineUnavailable:  # gone again while recovering
            ui.warn(f"the Docker engine at {where} stopped answering again; waiting")


def recover(s: Session) -> None:
    for key, r in list(s.running.items()):
        state = s.engine.state(r.cid)
        if state and state.running:  # a live-restore engine kept it
            s.follow_again(r)
            continue
        # A restart stops (or removes) every container: start a fresh one.
        try:
            s.replace(s.spec_of(key) or r.spec)
        except EngineUnavailable:
            raise
        except DevparityError as exc:
            r.gone = True
            ui.error(f"{exc}; saving a file tries again")
            continue
        ui.ok(f"{r.spec.name} started again")


def on_ended(s: Session, r: Running) -> None:
    """``r``'s log stream ended: an outage (raised for the loop), a removal
    by ``down``, a restart behind the session's back, or the container's end."""
    # The log stream also ends when the engine goes away (restarted,
    # killed): that is an outage, not this container's end.
    if not s.engine.answers():
        raise EngineUnavailable("the engine stopped answering")
    # `devparity down` stops, then removes: give a stopped container a
    # moment to vanish before calling it a crash.
    state = s.engine.state(r.cid)
    deadline = s.clock() + ENDED_GRACE
    while state and not state.running and s.clock() < deadline and not s.stop.is_set():
        s.stop.wait(GRACE_POLL)
        state = s.engine.state(r.cid)
    if state and state.running:  # restarted behind our back: follow it again
        s.follow_again(r)
        return
    if state is None:
        ui.warn(f"{r.spec.name} was removed outside this session (devparity down?)")
        del s.running[r.key]
        if not s.running:
            s.stop.set()
        return
    r.gone = True
    if r.component.kind == L.APP:
        ui.error(f"{r.spec.name} stopped (exit code {state.exit_code})")
    else:  # a prod process has no supervisor: its end is its crash report
        last = r.follower.last_lines(1)
        said = f": {last[0]}" if last else ""
        ui.error(f"{processes.who(r.component)} exited {state.exit_code}{said} ({r.spec.name} stopped)")
    for line in r.follower.last_lines():
        ui.progress(line)
    if r.spec.role == DEV:
        ui.note("it is started again on the next change")
    elif r.component.kind == L.APP and DEV not in s.roles:  # a prod-only session has nothing left to serve
        s.code = EXIT_APP_ENDED
        s.stop.set()
