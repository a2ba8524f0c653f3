"""What ``check`` knows of a process container (issue 8) beyond its
fingerprint: what [processes.NAME] declares it runs, so the container rule
tells a declared command and env from drift."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from devparity import labels, secrets
from devparity.roles import argv

if TYPE_CHECKING:
    from devparity.config import Config
    from devparity.engine.models import ContainerInfo


class Once:
    """A value computed by the first caller; the others (threads) wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: list[str] | None = None

    def __call__(self, fn: Callable[[], list[str] | None]) -> list[str] | None:
        with self._lock:
            if not self._done:
                self._value, self._done = fn(), True
            return self._value


def declared(config: Config, c: ContainerInfo, salt: str) -> dict[str, Any]:
    """What a process container runs by the config ([processes.NAME]): its
    name, env and command, masked as the fingerprints are; nothing for the app
    (or a process the config no longer has: then its command is drift)."""
    if c.kind != labels.PROCESS:
        return {}
    process = next((p for p in config.processes if p.name == c.component), None)
    if process is None:
        return {"process": c.component}
    return {
        "process": process.name,
        "declared_env": secrets.mask_env(process.env, salt),
        "declared_cmd": tuple(secrets.mask_command(list(argv(process.command)), salt)),
    }
