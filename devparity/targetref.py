"""Where `check --target` looks, parsed from its text. Pure.

``docker://ENGINE``: the project's prod container on another engine. ENGINE
is any address the Docker CLI takes as DOCKER_HOST (``unix:///path``,
``tcp://host:port``, ``ssh://user@host``) or a Docker context's name;
``docker://`` alone is the current engine.

``swarm://SERVICE[@ENGINE]``: a Swarm service (default: the project's name)
on the current engine, or on ENGINE as above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCHEMES = ("unix://", "tcp://", "ssh://", "npipe://", "fd://")
_SERVICE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}", re.ASCII)
_CONTEXT = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.+-]{0,127}", re.ASCII)
_PRINTABLE = re.compile(r"[\x21-\x7e]{1,400}", re.ASCII)


class TargetError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Engine:
    """An engine by address (``host``, as DOCKER_HOST) or context name; both
    None: the current engine."""

    host: str | None = None
    context: str | None = None

    def __str__(self) -> str:
        return self.host or (f"context {self.context}" if self.context else "the current engine")


@dataclass(frozen=True)
class TargetRef:
    text: str  # as the user wrote it (findings name it)
    kind: str  # "docker" | "swarm"
    engine: Engine
    service: str | None = None  # swarm only


def parse(text: str) -> TargetRef:
    """Raises TargetError (its ``reason`` names what is wrong, never echoes)."""
    if not _PRINTABLE.fullmatch(text):
        raise TargetError("is not a target (printable ASCII, no spaces)")
    if text.startswith("docker://"):
        return TargetRef(text, "docker", _engine(text.removeprefix("docker://")))
    if text.startswith("swarm://"):
        rest = text.removeprefix("swarm://")
        service, _, address = rest.partition("@") if not rest.startswith(_SCHEMES) else ("", "", rest)
        if not _SERVICE.fullmatch(service):
            raise TargetError("names no Swarm service: swarm://SERVICE[@ENGINE]")
        return TargetRef(text, "swarm", _engine(address), service)
    raise TargetError("is not docker://ENGINE or swarm://SERVICE[@ENGINE]")


def _engine(address: str) -> Engine:
    if not address:
        return Engine()
    if address.startswith(_SCHEMES):
        if address.endswith("://"):
            raise TargetError("names a scheme but no engine address")
        return Engine(host=address)
    if _CONTEXT.fullmatch(address):
        return Engine(context=address)
    raise TargetError("names no engine: an address such as tcp://127.0.0.1:2375 or a Docker context's name")
