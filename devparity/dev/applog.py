"""The app's output during ``up``: stream a container's log to stdout, turn the
supervisor's marker lines into events, remember the last lines for crash
reports, and pace restarts in a crash loop. The threads here only read and
print; every decision is made by the loop in devparity.dev.session."""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devparity.secrets import mask_text

if TYPE_CHECKING:  # only for annotations: seam imports the engine layer
    from devparity.dev.seam import DevEngine, LogStream

MARKER = "[devparity] "
_MARKERS = (
    ("started", re.compile(r"app started \(pid (\d+)\)")),
    ("exited", re.compile(r"app exited with code (\d+)")),
    ("signalled", re.compile(r"app signalled (\w+)")),
    ("stopping", re.compile(r"stopping")),
)
_print_lock = threading.Lock()


@dataclass(frozen=True)
class Marker:
    kind: str  # started, exited, signalled, stopping
    value: str  # pid, exit code, signal name, ""


@dataclass(frozen=True)
class LogEvent:
    """What a log follower tells the loop: a marker of the container ``cid``
    (started, exited, signalled, stopping), or ``ended`` when its log stream
    ended (the container stopped or vanished, or the engine went). ``key``
    is the session's name of the container: ``dev``, ``prod``, ``dev/worker``
    (devparity.roles.Component.label)."""

    kind: str
    key: str
    cid: str
    value: str = ""  # pid, exit code, signal name, ""


def parse_marker(line: str) -> Marker | None:
    """The supervisor's status line as a Marker; None for the app's own output."""
    if not line.startswith(MARKER):
        return None
    text = line[len(MARKER) :]
    for kind, rx in _MARKERS:
        if m := rx.fullmatch(text.strip()):
            return Marker(kind, m.group(1) if m.groups() else "")
    return None


def emit(line: str, prefix: str = "") -> None:
    # mask_text: an app that logs its token does not leak it through `up`
    with _print_lock, contextlib.suppress(BrokenPipeError):  # `up | head` closed the pipe
        sys.stdout.write(f"{prefix}{mask_text(line)}\n")
        sys.stdout.flush()


@dataclass
class LogFollower:
    """Follows one container's log on a daemon thread. App lines go to
    stdout (prefixed with the container's key when several run); markers go to
    ``on_event`` as LogEvents; the end of the stream (container gone or
    stopped) is reported as kind ``ended``."""

    key: str
    cid: str
    on_event: Callable[[LogEvent], None]
    engine: DevEngine
    prefix: str = ""
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    _stream: LogStream | None = None
    _closed: bool = False

    def start(self, *, tail: int | str = "all") -> None:
        """``tail=0``: only what is written from now on (re-following a container)."""
        self._stream = self.engine.follow(self.cid, tail=tail)
        threading.Thread(target=self._run, name=f"devparity-logs-{self.key}", daemon=True).start()

    def close(self) -> None:
        """Stop following; no ``ended`` event is sent after this."""
        self._closed = True
        with contextlib.suppress(Exception):  # already closed, or the connection broke
            if self._stream is not None:
                self._stream.close()

    def last_lines(self, n: int = 8) -> list[str]:
        return list(self.tail)[-n:]

    def _run(self) -> None:
        assert self._stream is not None  # set by start()
        for line in self._stream:
            if self._closed:
                return
            marker = parse_marker(line)
            if marker:
                if marker.kind == "started":
                    self.tail.clear()
                self.on_event(LogEvent(marker.kind, self.key, self.cid, marker.value))
                continue
            self.tail.append(line)
            emit(line, self.prefix)
        if not self._closed:
            self.on_event(LogEvent("ended", self.key, self.cid))


@dataclass
class Backoff:
    """Paces restarts in a crash loop. A crash within ``window`` seconds of
    the app's start extends the streak; from the second such crash on, the
    next start waits ``base * 2**(streak-2)`` seconds (at most ``cap``)
    after the crash. A run that lasts ``window`` seconds resets it."""

    window: float = 10.0
    base: float = 0.5
    cap: float = 8.0
    streak: int = 0
    last_crash: float | None = None

    def crashed(self, now: float, started_at: float | None) -> None:
        quick = started_at is not None and now - started_at < self.window
        self.streak = self.streak + 1 if quick else 1
        self.last_crash = now

    def delay(self, now: float) -> float:
        """Seconds to wait before starting the app again (0: start now)."""
        if self.last_crash is None or self.streak < 2:
            return 0.0
        wait = min(self.cap, self.base * 2.0 ** (self.streak - 2))
        return max(0.0, self.last_crash + wait - now)
