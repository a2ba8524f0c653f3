"""``[services.NAME]`` and ``[processes.NAME]`` (issue 8): the backing
services an app depends on (a database, a cache) and the app's own other
processes (a queue worker, a scheduler).

A service runs its own image (pinned by digest in devparity.lock like the
base); a process runs the app's image with another command. Both are
validated here, at load, with the same one-line errors as the rest of the
config: file:line, the key path and the kind of value expected, never the
value itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from devparity import validate
from devparity.config_text import where
from devparity.errors import ConfigError

SERVICES, PROCESSES = "services", "processes"
# A name is a network alias (the app reaches a service as `db`), part of a
# container and volume name and a CLI word (`logs db`): a DNS label, short.
NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
# Words the CLI already gives a meaning (`logs dev`, `snapshot lock`, ...).
RESERVED_NAMES = frozenset({"app", "dev", "prod", "all", "lock", "image", "web"})
DEFAULT_READY_TIMEOUT = 60  # seconds; an initdb on a fresh volume takes a few

SERVICE_KEYS = {"image": "a string", "env": "a table of strings", "ready": "a table", "data": "a string",
                "ports": "a table of port = port", "command": "a list of strings or a string"}
PROCESS_KEYS = {"command": "a list of strings or a string", "env": "a table of strings"}
READY_KEYS = {"tcp": "an integer", "command": "a list of strings", "timeout": "an integer"}


@dataclass(frozen=True)
class Ready:
    """How to tell a service is ready: a TCP port that listens inside its
    container, or a command that exits 0 there (``pg_isready``). Neither:
    ready once it runs."""

    tcp: int | None = None
    command: tuple[str, ...] = ()
    timeout: int = DEFAULT_READY_TIMEOUT


@dataclass(frozen=True)
class Service:
    name: str
    image: str
    env: dict[str, str] = field(default_factory=dict)
    ready: Ready = field(default_factory=Ready)
    data: str | None = None  # the data directory, kept in a named volume per role
    # container port -> host port, published on 127.0.0.1 for dev only (a
    # local client); prod's services stay unpublished, as backing services
    # of a real deployment are.
    ports: dict[int, int] = field(default_factory=dict)
    command: tuple[str, ...] | str | None = None  # None: the image's own

    def image_inputs(self) -> dict[str, Any]:
        """What of the service shapes what runs (its fingerprint's config part)."""
        return {"image": self.image, "env": self.env, "data": self.data,
                "command": self.command if isinstance(self.command, str) or self.command is None else list(self.command)}


@dataclass(frozen=True)
class Process:
    """One of the app's own other processes: the app's image, another
    command, the app's env (with ``env`` overlaid), in dev the bind mount and
    reload like the app."""

    name: str
    command: tuple[str, ...] | str
    env: dict[str, str] = field(default_factory=dict)


Fail = Callable[[str, str, str], ConfigError]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _command(value: Any) -> tuple[str, ...] | str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
        return tuple(value)
    return None


def _env(section: str, raw: Any, fail: Fail) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise fail(section, "env", "must be a table of strings")
    for k in raw:
        reason = validate.env_name(k)
        if reason:
            raise fail(section, "env", reason)
    return dict(raw)


def _ready(section: str, raw: Any, fail: Fail) -> Ready:
    if not isinstance(raw, dict):
        raise fail(section, "ready", "must be a table: { tcp = PORT } or { command = [...] }")
    unknown = sorted(set(raw) - set(READY_KEYS))
    if unknown:
        raise fail(section, "ready", f"has an unknown key; valid: {', '.join(READY_KEYS)}")
    tcp = raw.get("tcp")
    if tcp is not None and not (_is_int(tcp) and 1 <= tcp <= 65535):
        raise fail(section, "ready", "`tcp` must be a port between 1 and 65535")
    command = raw.get("command")
    if command is not None and not (isinstance(command, list) and command and all(isinstance(x, str) for x in command)):
        raise fail(section, "ready", "`command` must be a non-empty list of strings")
    if tcp is not None and command is not None:
        raise fail(section, "ready", "takes `tcp` or `command`, not both")
    timeout = raw.get("timeout", DEFAULT_READY_TIMEOUT)
    if not (_is_int(timeout) and 1 <= timeout <= 3600):
        raise fail(section, "ready", "`timeout` must be a number of seconds between 1 and 3600")
    return Ready(tcp=tcp, command=tuple(command or ()), timeout=timeout)


def _ports(section: str, raw: Any, fail: Fail) -> dict[int, int]:
    if not isinstance(raw, dict):
        raise fail(section, "ports", "must be a table of port = port")
    out: dict[int, int] = {}
    for key, host in raw.items():
        if not (key.isascii() and key.isdigit() and 1 <= int(key) <= 65535):
            raise fail(section, "ports", 'keys must be container ports written in ASCII digits, e.g. { "5432" = 15432 }')
        if not (_is_int(host) and 1 <= host <= 65535):
            raise fail(section, "ports", "host ports must be integers between 1 and 65535")
        out[int(key)] = host
    return out


def _data(section: str, raw: Any, fail: Fail) -> str:
    if not isinstance(raw, str) or not raw.startswith("/") or PurePosixPath(raw) == PurePosixPath("/"):
        raise fail(section, "data", "must be an absolute directory in the service's container, not /")
    if any(part == ".." for part in PurePosixPath(raw).parts):
        raise fail(section, "data", "must not hold `..`")
    return str(PurePosixPath(raw))


def _service(name: str, body: dict[str, Any], fail: Fail) -> Service:
    section = f"{SERVICES}.{name}"
    image = body.get("image")
    if image is None:
        raise fail(section, "image", "is required (for example \"postgres:15\")")
    if not isinstance(image, str):
        raise fail(section, "image", "must be a string")
    reason = validate.image_ref(image)
    if reason:
        raise fail(section, "image", reason)
    command = None
    if "command" in body:
        command = _command(body["command"])
        if command is None:
            raise fail(section, "command", "must be a non-empty list of strings or a string")
    return Service(
        name=name,
        image=image,
        env=_env(section, body.get("env", {}), fail),
        ready=_ready(section, body["ready"], fail) if "ready" in body else Ready(),
        data=_data(section, body["data"], fail) if "data" in body else None,
        ports=_ports(section, body.get("ports", {}), fail),
        command=command,
    )


def _process(name: str, body: dict[str, Any], fail: Fail) -> Process:
    section = f"{PROCESSES}.{name}"
    if "command" not in body:
        raise fail(section, "command", "is required (for example [\"python\", \"worker.py\"])")
    command = _command(body["command"])
    if command is None:
        raise fail(section, "command", "must be a non-empty list of strings or a string")
    return Process(name=name, command=command, env=_env(section, body.get("env", {}), fail))


def _tables(kind: str, data: dict[str, Any], text: str, path: Path, keys: dict[str, str]) -> dict[str, dict[str, Any]]:
    raw = data.get(kind, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where(path, text, None, kind)}: `{kind}` must be a table of tables ([{kind}.NAME])")
    for name, body in raw.items():
        if not NAME.fullmatch(name):
            raise ConfigError(
                f"{path}: a name in [{kind}] is not valid",
                hint="names are lowercase letters, digits and -, starting with a letter, at most 31",
            )
        if name in RESERVED_NAMES:
            raise ConfigError(f"{where(path, text, None, f'{kind}.{name}')}: [{kind}.{name}] uses a reserved name",
                              hint=f"pick another; reserved: {', '.join(sorted(RESERVED_NAMES))}")
        if not isinstance(body, dict):
            raise ConfigError(f"{where(path, text, None, f'{kind}.{name}')}: `{kind}.{name}` must be a table")
        for key in body:
            if key not in keys:
                raise ConfigError(f"{where(path, text, f'{kind}.{name}', key)}: unknown key `{kind}.{name}.{key}`; valid: {', '.join(keys)}")
    return raw


def parse(data: dict[str, Any], text: str, path: Path) -> tuple[tuple[Service, ...], tuple[Process, ...]]:
    """The services and processes of a parsed devparity.toml, validated."""

    def fail(section: str, key: str, msg: str) -> ConfigError:
        return ConfigError(f"{where(path, text, section, key)}: `{section}.{key}` {msg}")

    services = tuple(_service(n, b, fail) for n, b in _tables(SERVICES, data, text, path, SERVICE_KEYS).items())
    processes = tuple(_process(n, b, fail) for n, b in _tables(PROCESSES, data, text, path, PROCESS_KEYS).items())
    both = {s.name for s in services} & {p.name for p in processes}
    if both:
        name = sorted(both)[0]
        raise ConfigError(f"{where(path, text, None, f'{PROCESSES}.{name}')}: `{name}` names both a service and a process",
                          hint="give each its own name")
    return services, processes
