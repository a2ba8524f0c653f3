"""This checkout's running containers and their fingerprints, asked for in
the background from the moment ``check`` starts.

Most of a check with containers running is the engine answering the changes
API (``docker diff``), once per container; nothing that call needs depends
on what check computes first (the lock's staleness, the image for the
current config, the registry digest). Started first, it overlaps with all
of that instead of following it. Daemon threads: an error is raised where
the result is asked for, and a check that fails earlier does not wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import TYPE_CHECKING, Any, TypeVar

from devparity.drift import fingerprint, targets

if TYPE_CHECKING:
    from devparity.config import Config
    from devparity.engine.models import ContainerInfo

T = TypeVar("T")


def spawn(fn: Callable[[], T]) -> Future[T]:
    """``fn()`` on a daemon thread; its result or error in the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(fn())
        except BaseException as exc:  # re-raised by result(), on the asking thread
            future.set_exception(exc)

    threading.Thread(target=run, name="devparity-prefetch", daemon=True).start()
    return future


class Prefetch:
    """Started at once: the running dev/prod containers
    (targets.running_containers), then each one's fingerprint
    (fingerprint.fingerprint_container), side by side."""

    def __init__(self, config: Config, salt: str | None) -> None:
        self.config = config
        self._salt = salt
        self._started: Future[tuple[list[ContainerInfo], dict[str, Future[dict[str, Any]]]]] = spawn(self._start)

    def _start(self) -> tuple[list[ContainerInfo], dict[str, Future[dict[str, Any]]]]:
        running = targets.running_containers(self.config)
        name = self.config.name

        def read(cid: str) -> Callable[[], dict[str, Any]]:
            return lambda: fingerprint.fingerprint_container(cid, project=name, salt=self._salt)

        return running, {c.id: spawn(read(c.id)) for c in running}

    def wait_issued(self) -> None:
        """Wait until each container's reading is under way (not for its
        end; errors are kept for ``running``/``fingerprint``): starting the
        engine client is CPU work that would otherwise share the interpreter
        with check's own, delaying the changes requests that take longest."""
        wait([self._started])

    def running(self) -> list[ContainerInfo]:
        return self._started.result()[0]

    def has(self, cid: str, salt: str | None) -> bool:
        """Whether ``cid``'s fingerprint is being read here, masked with ``salt``."""
        return salt == self._salt and cid in self._started.result()[1]

    def fingerprint(self, cid: str) -> dict[str, Any]:
        return self._started.result()[1][cid].result()
