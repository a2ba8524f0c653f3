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
    """Where the SDK will look for the engine, for error messages."""
    bound = _bound.get()
    if bound is not None:
        return bound[0]
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def client() -> docker.DockerClient:
    """A connected client (the target's inside ``at``); raises
    EngineUnavailable with what to try."""
    bound = _bound.get()
    return bound[1] if bound is not None else _client()


@functools.lru_cache(maxsize=1)
def _client() -> docker.DockerClient:
    import docker
    from docker.errors import DockerException

    try:
        c = docker.from_env(timeout=PING_TIMEOUT)  # the constructor asks the engine's API version
        c.ping()
        c.api.timeout = API_TIMEOUT
    except DockerException as exc:  # includes connection errors wrapped by the SDK
        raise _unavailable(exc) from exc
    except Exception as exc:  # requests' ConnectionError when the socket is gone
        raise _unavailable(exc) from exc
    return c


# `check --target` reads another engine while the local steps read this
# one (devparity.drift.remote): inside ``at`` the current context, and the
# threads it hands its context to, talk to the target's own client.
_bound: contextvars.ContextVar[tuple[str, docker.DockerClient] | None] = contextvars.ContextVar("devparity_engine", default=None)


@contextlib.contextmanager
def at(host: str | None = None, context: str | None = None) -> Iterator[None]:
    """Talk to another engine inside the block: ``host`` as DOCKER_HOST takes
    it, or the Docker context ``context``; both None: the current engine.
    Bound to the current context (contextvars): a thread sees it only when
    run in a copy of this context (``contextvars.copy_context().run``).
    Raises EngineUnavailable naming the address when it does not answer."""
    if host is None and context is None:
        yield
        return
    address = host or _context_host(str(context))
    import docker

    unavailable = EngineUnavailable(f"no Docker engine answers at {address}", hint="check the address and that the engine runs there")
    try:
        # ssh:// through the system ssh client (its config and agent), as the Docker CLI does
        c = docker.DockerClient(base_url=address, timeout=PING_TIMEOUT, use_ssh_client=address.startswith("ssh://"))
    except Exception as exc:  # a malformed address, a missing ssh client
        raise unavailable from exc
    try:
        try:
            c.ping()
        except Exception as exc:  # a refused or reset connection, a timeout
            raise unavailable from exc
        c.api.timeout = API_TIMEOUT
        token = _bound.set((address, c))
        try:
            yield
        finally:
            _bound.reset(token)
    finally:
        with contextlib.suppress(Exception):
            c.close()


def _context_host(name: str) -> str:
    """The engine address of the Docker context ``name`` (~/.docker/contexts)."""
    from docker.context import ContextAPI

    try:
        ctx = ContextAPI.get_context(name)
    except Exception:  # a malformed context store
        ctx = None
    if ctx is None or not ctx.Host:
        raise EngineUnavailable(f"there is no Docker context named {name}", hint="list them with `docker context ls`")
    return str(ctx.Host)


def answers(timeout: float = PING_TIMEOUT) -> bool:
    """Whether the engine answers a ping now (never raises). Used by a
    watching ``up`` to tell an engine outage from a container's end."""
    try:
        api = client().api
        return bool(api.get(f"{api.base_url}/_ping", timeout=timeout).ok)
    except Exception:  # EngineUnavailable, a refused or reset connection, a timeout
        return False


def _unavailable(exc: BaseException) -> EngineUnavailable:
    return EngineUnavailable(
        f"no Docker engine answers at {engine_address()}",
        hint="start the Docker engine (on a host without one, as root: scripts/engine from the devparity repo), or point DOCKER_HOST at a running engine",
    )


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
