"""The only place that imports the Docker SDK.

Submodules talk to the engine (``images``, ``containers``, ``archive``); this
module owns the client and maps SDK errors to devparity's own, once.
``docker`` is imported lazily so commands that need no engine (``lock
--check``, ``render``) start fast.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from devparity import labels
from devparity.engine import endpoint, ssh
from devparity.errors import Conflict, EngineError, EngineUnavailable, ImageNotFound, NotFound, PortInUse

if TYPE_CHECKING:
    import docker

# The label names live in devparity.labels (neutral ground); these aliases
# keep ``engine.LABEL_*`` working for the modules that read them from here.
LABEL_PROJECT = labels.PROJECT
LABEL_ROLE = labels.ROLE
LABEL_INPUTS = labels.INPUTS
LABEL_SOURCE = labels.SOURCE
LABEL_CONFIG = labels.CONFIG
LABEL_CHECKOUT = labels.CHECKOUT
LABEL_CREATED = labels.CREATED


# Seconds to wait for the engine to answer a ping: a socket that accepts but
# never answers (a wedged dockerd) must fail fast, not after API_TIMEOUT.
PING_TIMEOUT = 10
API_TIMEOUT = 120  # a single API call (image inspect of a large image, a stop)


def engine_address() -> str:
    """Where the engine is, for error messages: its URL (and context), the
    target's inside ``at``; never raises."""
    bound = _bound.get()
    if bound is not None:
        return bound[0]
    try:
        return endpoint.resolve().address()
    except EngineUnavailable:
        return os.environ.get("DOCKER_HOST") or f"the Docker context {os.environ.get('DOCKER_CONTEXT') or 'in use'}"


def client() -> docker.DockerClient:
    """A connected client (the target's inside ``at``); raises
    EngineUnavailable with what to try."""
    bound = _bound.get()
    return bound[1] if bound is not None else _client()


@functools.lru_cache(maxsize=1)
def _client() -> docker.DockerClient:
    """The engine the Docker CLI would use (devparity.engine.endpoint)."""
    ep = endpoint.resolve()
    try:
        c = _connect(ep)  # the constructor asks the engine's API version
        c.ping()
        c.api.timeout = API_TIMEOUT
    except Exception as exc:  # DockerException, requests' ConnectionError, an ssh client that exits
        raise _unavailable(exc, ep) from exc
    return c


# `check --target` reads another engine while the local steps read this
# one (devparity.drift.remote): inside ``at`` the current context, and the
# threads it hands its context to, talk to the target's own client.
_bound: contextvars.ContextVar[tuple[str, docker.DockerClient] | None] = contextvars.ContextVar("devparity_engine", default=None)


@contextlib.contextmanager
def at(host: str | None = None, context: str | None = None) -> Iterator[None]:
    """Talk to another engine inside the block: ``host`` as DOCKER_HOST takes
    it (with this environment's TLS settings), or the Docker context
    ``context`` (devparity.engine.endpoint reads both as the CLI does); both
    None: the current engine. Bound to the current context (contextvars): a
    thread sees it only when run in a copy of this context
    (``contextvars.copy_context().run``). Raises EngineUnavailable naming
    the address when it does not answer."""
    if host is None and context is None:
        yield
        return
    env = {**os.environ, "DOCKER_HOST": host} if host else {**os.environ, "DOCKER_HOST": "", "DOCKER_CONTEXT": str(context)}
    ep = endpoint.resolve(env)
    try:
        c = _connect(ep)
        c.ping()
    except Exception as exc:  # a malformed address, a refused or reset connection, a timeout
        raise _unavailable(exc, ep) from exc
    try:
        c.api.timeout = API_TIMEOUT
        token = _bound.set((ep.address(), c))
        try:
            yield
        finally:
            _bound.reset(token)
    finally:
        with contextlib.suppress(Exception):
            c.close()


def _connect(ep: endpoint.Endpoint) -> docker.DockerClient:
    import docker
    from docker.tls import TLSConfig

    tls: TLSConfig | bool = False
    if ep.tls is not None:
        cert = (ep.tls.cert, ep.tls.key) if ep.tls.cert and ep.tls.key else None
        tls = TLSConfig(client_cert=cert, ca_cert=ep.tls.ca, verify=ep.tls.verify)
    if ep.ssh:
        ssh.install()  # the system ssh client, its stderr kept out of ours
    return docker.DockerClient(base_url=ep.host, tls=tls, timeout=PING_TIMEOUT, use_ssh_client=ep.ssh)


def answers(timeout: float = PING_TIMEOUT) -> bool:
    """Whether the engine answers a ping now (never raises). Used by a
    watching ``up`` to tell an engine outage from a container's end."""
    try:
        api = client().api
        return bool(api.get(f"{api.base_url}/_ping", timeout=timeout).ok)
    except Exception:  # EngineUnavailable, a refused or reset connection, a timeout
        return False


def _unavailable(exc: BaseException, ep: endpoint.Endpoint | None = None) -> EngineUnavailable:
    address = ep.address() if ep else engine_address()
    said = ssh.last_error() if ep is not None and ep.ssh else None
    if said:
        return EngineUnavailable(
            f"no Docker engine answers at {address}: ssh said: {said}",
            hint="check that `ssh` reaches that host without a prompt and that the docker CLI is installed there",
        )
    if ep is not None and ep.ssh:
        hint = "check that `ssh` reaches that host without a prompt and that the docker CLI is installed there"
    elif ep is not None and ep.host.startswith(("tcp://", "https://", "http://")):
        hint = "check that the engine listens there (`docker -H ADDRESS info`), the TLS settings (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), or point DOCKER_HOST elsewhere"
    else:
        hint = "start the Docker engine (on a host without one, as root: scripts/engine from the devparity repo), or point DOCKER_HOST at a running engine"
    return EngineUnavailable(f"no Docker engine answers at {address}", hint=hint)


# What the engine says when a published host port is taken: "Bind for
# 0.0.0.0:8000 failed: port is already allocated" (another container) or
# "listen tcp4 127.0.0.1:8000: bind: address already in use" (a host process).
_PORT_TAKEN = ("already allocated", "address already in use")


@contextlib.contextmanager
def mapped_errors(what: str, *, missing: type[NotFound] = NotFound) -> Iterator[None]:
    """Turn SDK exceptions raised inside the block into devparity errors, the
    one place that reads status codes and engine messages: 404 is
    ``missing`` (NotFound, or ImageNotFound where the block asks for an
    image), 409 (and 403, a network in use) Conflict, a taken host port PortInUse. Callers catch those
    classes; none looks at ``__cause__`` or at the text."""
    from docker import errors as de
    from requests.exceptions import ChunkedEncodingError, Timeout
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from urllib3.exceptions import ProtocolError, ReadTimeoutError

    try:
        yield
    except de.ImageNotFound as exc:
        raise ImageNotFound(f"{what}: image not found ({_explanation(exc)})") from exc
    except de.NotFound as exc:
        raise missing(f"{what}: not found ({_explanation(exc)})") from exc
    except de.APIError as exc:
        text = _explanation(exc)
        # 403: a network that still has endpoints (containers on it)
        if exc.status_code in (403, 409):
            raise Conflict(f"{what}: the engine said: {text}") from exc
        if any(marker in text for marker in _PORT_TAKEN):
            raise PortInUse(f"{what}: a published host port is in use ({text})") from exc
        raise EngineError(f"{what}: the engine said: {text}") from exc
    except (RequestsConnectionError, ChunkedEncodingError, ProtocolError) as exc:
        # The last two: the engine died in the middle of a streamed answer
        # (a build, a pull); the SDK reads those streams below requests, so
        # urllib3's own error arrives unwrapped. See tests/integration/faults.
        raise _unavailable(exc) from exc
    except (Timeout, ReadTimeoutError) as exc:
        raise EngineUnavailable(
            f"{what}: the Docker engine at {engine_address()} did not answer in time",
            hint="check the engine (`docker info`), then try again",
        ) from exc
    except de.DockerException as exc:
        raise EngineError(f"{what}: {exc}") from exc


def _explanation(exc: Any) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return str(text).strip()
