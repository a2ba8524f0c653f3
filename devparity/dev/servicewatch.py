"""A service that crashes while a foreground ``up`` runs (issue 8): the engine
restarts it (``unless-stopped``), and this watcher says so in the ``up``
stream with the service's name, its exit code and its last log lines. One
daemon thread follows the engine's ``die`` events of this checkout's service
containers; it only reports, it never acts (the restart is the engine's)."""

from __future__ import annotations

import threading
from typing import Any

from devparity import backing, labels, ui
from devparity.config import Config
from devparity.engine import containers
from devparity.errors import DevparityError

# A removal (`devparity down` in another terminal) also kills, then
# destroys: wait this long after a ``die`` before asking what became of it.
SETTLE = 0.3
RECONNECT = 1.0  # seconds between attempts to follow events again (an engine restart)


class ServiceWatch:
    def __init__(self, config: Config, started: list[backing.Started]) -> None:
        self.by_id = {s.cid: s for s in started}
        self.wanted = {**labels.checkout(config.name, config.root), labels.KIND: labels.SERVICE}
        self.stopped = threading.Event()
        self.stream: Any = None
        self.thread = threading.Thread(target=self._run, name="devparity-services", daemon=True)

    def start(self) -> ServiceWatch:
        if self.by_id:
            self.thread.start()
        return self

    def stop(self) -> None:
        """Stop reporting (before teardown removes the services: their end is no crash)."""
        self.stopped.set()
        if self.stream is not None:
            stream, self.stream = self.stream, None
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        if self.thread.is_alive():
            self.thread.join(2)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.stream = containers.events(self.wanted, ("die",))
                for event in containers.event_models(self.stream):
                    if self.stopped.is_set():
                        return
                    s = self.by_id.get(event.id)
                    if s is not None:
                        self._report(s, event.exit_code)
            except DevparityError:  # the engine went away: the session reports outages
                pass
            self.stopped.wait(RECONNECT)

    def _report(self, s: backing.Started, code: int | None) -> None:
        if self.stopped.wait(SETTLE):
            return
        info = containers.inspect(s.cid)
        if info is None or self.stopped.is_set():
            return  # removed (`devparity down`): the app's session says so
        exit_text = f"exit code {code}" if code is not None else "no exit code"
        if info.running or info.status == "restarting":
            ui.error(f"crash: service {s.label} exited ({exit_text}); the engine restarts it (restart unless-stopped)")
        else:
            ui.error(f"service {s.label} stopped ({exit_text}); `devparity up` starts it again")
        for line in backing.last_lines(s, 10):
            ui.progress(line)
