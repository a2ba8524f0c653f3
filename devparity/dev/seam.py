"""The engine as the dev loop sees it: the few operations a watching ``up``
needs, behind one Protocol that devparity.dev.session.Session receives. The
real one delegates to devparity.engine; the unit tests pass a fake, so crash
backoff, pending reloads, the grace period and the outage path run without a
daemon (tests/dev/test_session.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol

from devparity import engine
from devparity.dev import sync
from devparity.engine import containers as engine_containers
from devparity.roles import ContainerSpec

# How long teardown waits for one container's stop and removal.
REMOVE_WAIT = engine_containers.STOP_TIMEOUT + 8


class State(NamedTuple):
    """What the loop needs to know about a container it started."""

    running: bool
    exit_code: int | None


class LogStream(Protocol):
    """A followed log: complete text lines until the container ends, or until
    ``close()`` (from another thread) ends the iteration."""

    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None: ...


class DevEngine(Protocol):
    def run(self, spec: ContainerSpec) -> str:
        """Create and start ``spec``; the container id."""
        ...

    def remove(self, cid: str) -> None:
        """Stop and remove; gone already is fine."""
        ...

    def state(self, cid: str) -> State | None:
        """None when the container no longer exists."""
        ...

    def follow(self, cid: str, *, tail: int | str = "all") -> LogStream: ...

    def signal(self, cid: str, signal: str) -> None: ...

    def answers(self, timeout: float | None = None) -> bool:
        """Whether the engine answers a ping now (never raises)."""
        ...

    def address(self) -> str:
        """Where the engine is, for messages."""
        ...

    def sync(self, cid: str, spec: ContainerSpec, paths: Sequence[str]) -> None:
        """Send a batch of changed paths into a [dev].source = sync container."""
        ...


class _Lines:
    """A log stream of the SDK as text lines (LogStream)."""

    def __init__(self, raw: object) -> None:
        self.raw = raw

    def __iter__(self) -> Iterator[str]:
        return engine_containers.lines(self.raw)

    def close(self) -> None:
        self.raw.close()  # type: ignore[attr-defined]


class DockerEngine:
    """The DevEngine of a real session: devparity.engine."""

    def run(self, spec: ContainerSpec) -> str:
        return engine_containers.run(spec, prepare=sync.prepare_for(spec))

    def remove(self, cid: str) -> None:
        engine_containers.remove(cid)

    def state(self, cid: str) -> State | None:
        info = engine_containers.inspect(cid)
        return None if info is None else State(info.running, info.exit_code)

    def follow(self, cid: str, *, tail: int | str = "all") -> LogStream:
        return _Lines(engine_containers.logs(cid, follow=True, tail=tail))

    def signal(self, cid: str, signal: str) -> None:
        engine_containers.kill(cid, signal)

    def answers(self, timeout: float | None = None) -> bool:
        return engine.answers() if timeout is None else engine.answers(timeout=timeout)

    def address(self) -> str:
        return engine.engine_address()

    def sync(self, cid: str, spec: ContainerSpec, paths: Sequence[str]) -> None:
        sync.send(cid, spec, paths)
