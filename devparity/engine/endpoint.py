"""Which engine devparity talks to (issue 9): the one the Docker CLI would.

The CLI's order, kept here exactly: ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY``
/ ``DOCKER_CERT_PATH``) wins; else ``DOCKER_CONTEXT``; else the
``currentContext`` of ``$DOCKER_CONFIG/config.json`` (``~/.docker``); else the
local socket. A context is read from its meta file
(``contexts/meta/<sha256 of the name>/meta.json``) and its TLS files
(``contexts/tls/<same>/docker/{ca,cert,key}.pem``), as the CLI stores them.

Pure: reads files and an environment mapping, talks to no engine, so the
resolution is unit-tested (tests/engine/test_endpoint.py). ``devparity.engine``
turns an Endpoint into a client.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devparity.errors import EngineUnavailable

DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_CONTEXT = "default"
SCHEMES = ("unix://", "tcp://", "ssh://", "npipe://", "http://", "https://")


@dataclass(frozen=True)
class Tls:
    verify: bool
    ca: str | None = None
    cert: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Endpoint:
    host: str  # the URL the SDK connects to
    context: str | None = None  # the context it came from (None: DOCKER_HOST or the default)
    tls: Tls | None = None

    @property
    def ssh(self) -> bool:
        return self.host.startswith("ssh://")

    def address(self) -> str:
        """How messages name the engine: its URL, and the context it came from."""
        return f"{self.host} (context {self.context})" if self.context else self.host


def config_dir(env: Mapping[str, str]) -> Path:
    """The Docker CLI's config directory: $DOCKER_CONFIG, else ~/.docker."""
    found = env.get("DOCKER_CONFIG")
    return Path(found) if found else Path(env.get("HOME") or Path.home()) / ".docker"


def context_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def resolve(env: Mapping[str, str] | None = None) -> Endpoint:
    """The engine of the Docker CLI's rules; raises EngineUnavailable (exit 3)
    naming the context or address when it cannot be used as given."""
    env = os.environ if env is None else env
    if env.get("DOCKER_HOST"):
        return _from_env(env)
    name = env.get("DOCKER_CONTEXT") or _current_context(config_dir(env))
    if not name or name == DEFAULT_CONTEXT:
        return _from_env(env)
    return _from_context(config_dir(env), name)


def _from_env(env: Mapping[str, str]) -> Endpoint:
    host = env.get("DOCKER_HOST") or DEFAULT_HOST
    _check_scheme(host, context=None)
    verify = bool(env.get("DOCKER_TLS_VERIFY"))
    if not verify and not env.get("DOCKER_TLS"):
        return Endpoint(host)
    certs = Path(env.get("DOCKER_CERT_PATH") or config_dir(env))
    tls = Tls(verify, *(_existing(certs / f) for f in ("ca.pem", "cert.pem", "key.pem")))
    if verify and tls.ca is None:
        raise EngineUnavailable(
            f"DOCKER_TLS_VERIFY is set for {host} but there is no ca.pem in {certs}",
            hint="point DOCKER_CERT_PATH at the directory holding ca.pem, cert.pem and key.pem",
        )
    return Endpoint(host, tls=tls)


def _current_context(cfg: Path) -> str | None:
    """config.json's currentContext; a missing or unreadable file means none
    (the CLI ignores a config it cannot parse only with a warning; we say
    nothing and use the default, as the SDK does)."""
    try:
        data = json.loads((cfg / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("currentContext") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def _from_context(cfg: Path, name: str) -> Endpoint:
    meta = cfg / "contexts" / "meta" / context_id(name) / "meta.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EngineUnavailable(
            f"the Docker context {name!r} does not exist (no {meta})",
            hint="see `docker context ls`; unset DOCKER_CONTEXT or `docker context use` one that exists",
        ) from None
    except (OSError, ValueError) as exc:
        raise EngineUnavailable(
            f"cannot read the Docker context {name!r} ({meta}): {exc}",
            hint="recreate it with `docker context create`, or use another one",
        ) from None
    found = data.get("Endpoints", {}).get("docker") if isinstance(data, dict) else None
    docker: dict[str, object] = found if isinstance(found, dict) else {}
    host = docker.get("Host")
    if not isinstance(host, str) or not host:
        raise EngineUnavailable(
            f"the Docker context {name!r} has no docker endpoint ({meta})",
            hint="recreate it with `docker context create NAME --docker host=...`",
        )
    _check_scheme(host, context=name)
    tls_dir = cfg / "contexts" / "tls" / context_id(name) / "docker"
    files = [_existing(tls_dir / f) for f in ("ca.pem", "cert.pem", "key.pem")]
    tls = None
    if any(files) and not host.startswith(("unix://", "ssh://")):
        tls = Tls(not bool(docker.get("SkipTLSVerify")), *files)
    return Endpoint(host, context=name, tls=tls)


def _check_scheme(host: str, *, context: str | None) -> None:
    if host.startswith(SCHEMES):
        return
    where = f"the Docker context {context!r}" if context else "DOCKER_HOST"
    raise EngineUnavailable(
        f"no Docker engine answers at {host}: {where} is not an engine address",
        hint="use unix:///path, tcp://HOST:PORT, ssh://USER@HOST or a Docker context",
    )


def _existing(path: Path) -> str | None:
    return str(path) if path.is_file() else None
