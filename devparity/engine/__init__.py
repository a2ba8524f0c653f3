"""The only place that imports the Docker SDK.

Submodules talk to the engine (``images``, ``containers``, ``archive``); this
module owns the clients and maps their errors to devparity's own, once.
``docker`` is imported lazily so commands that need no engine (``lock
--check``, ``render``) start fast, and the plain JSON calls go through
``api()``: on a local socket the standard-library client in ``lite``, so
`down` and a `check` with nothing to stream never import the SDK.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.util
import os
import sys
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from devparity import labels, secrets
from devparity.engine import endpoint, lite, ssh
from devparity.engine import tls as engine_tls
from devparity.errors import Conflict, EngineError, EngineUnavailable, ImageNotFound, NotFound, PortInUse

if TYPE_CHECKING:
    import docker


class _Deferred(types.ModuleType):
    """paramiko until first used: an attribute it lacks (every one of
    paramiko's) imports the real module, which takes its place in
    sys.modules, and answers from it."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("paramiko") is self:
            del sys.modules["paramiko"]
        return getattr(importlib.import_module("paramiko"), name)


def _defer_paramiko() -> None:
    """Load paramiko when first used, not when the SDK is imported.

    Why: ``import docker`` imports docker.transport.sshconn, whose ``import
    paramiko`` (with invoke, cryptography and unittest.mock behind it) costs
    about 90 ms of CPU on every command that talks to the engine, `up`
    included (issue 11's 0.7 s `up --wait`), while only the SDK's own ssh
    transport uses it, inside its methods (devparity's ssh:// goes through
    the system ssh client, devparity.engine.ssh). importlib's LazyLoader
    cannot do this: the import statement itself reads the module's
    ``__spec__``, which loads a lazy module at once."""
    if "paramiko" in sys.modules or "docker" in sys.modules:
        return
    try:
        found = importlib.util.find_spec("paramiko") is not None
    except (ImportError, ValueError):
        found = False
    if found:  # not installed: the SDK's own ImportError handling applies
        sys.modules["paramiko"] = _Deferred("paramiko")


_defer_paramiko()

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
        engine_tls.install()  # the engine's CA, whatever REQUESTS_CA_BUNDLE says
        if not ep.tls.verify:
            engine_tls.quiet_unverified()
    if ep.ssh:
        ssh.install()  # the system ssh client, its stderr kept out of ours
    return docker.DockerClient(base_url=ep.host, tls=tls, timeout=PING_TIMEOUT, use_ssh_client=ep.ssh)


def api() -> Any:
    """What answers the plain JSON calls (listing, inspecting and removing
    containers, images, networks and volumes, shaped as docker-py's
    APIClient methods): devparity.engine.lite when the engine
    is a local Unix socket (no SDK import, no version call, no ping), else
    the SDK's APIClient (and inside ``at``, the target's). Call inside
    ``mapped_errors``."""
    if _bound.get() is not None:
        return client().api
    ep = endpoint.resolve()  # DOCKER_HOST, else the Docker context in use, as the CLI
    path = lite.socket_path(ep.host) if ep.tls is None else None
    return client().api if path is None else _lite(path)


@functools.lru_cache(maxsize=8)  # keyed by path: tests switch DOCKER_HOST
def _lite(path: str) -> lite.Lite:
    return lite.Lite(path, first_timeout=PING_TIMEOUT, timeout=API_TIMEOUT)


def answers(timeout: float = PING_TIMEOUT) -> bool:
    """Whether the engine answers a ping now (never raises). Used by a
    watching ``up`` to tell an engine outage from a container's end."""
    try:
        api = client().api
        return bool(api.get(f"{api.base_url}/_ping", timeout=timeout).ok)
    except Exception:  # EngineUnavailable, a refused or reset connection, a timeout
        return False


def _unavailable(exc: BaseException, ep: endpoint.Endpoint | None = None) -> EngineUnavailable:
    if ep is None and _bound.get() is None:  # a connection lost mid-command: the hint of the engine in use (ssh's, tcp's)
        with contextlib.suppress(EngineUnavailable):
            ep = endpoint.resolve()
    address = ep.address() if ep else engine_address()
    said = ssh.last_error() if ep is not None and ep.ssh else None
    if said:
        # ssh's own line (a refused connection or key, an unknown host) is
        # the useful part; masked, as everything quoted from another program
        # (doctor prints it without the error boundary's masking).
        return EngineUnavailable(
            f"no Docker engine answers at {secrets.mask_text(address)}: ssh said: {secrets.mask_text(said)}",
            hint="check that `ssh` reaches that host without a prompt and that the docker CLI is installed there",
        )
    found = engine_tls.diagnose(_said(exc), address, ep.tls, ep.context) if ep is not None else None
    if found is not None:
        return EngineUnavailable(found[0], hint=found[1])
    if ep is not None and ep.ssh:
        hint = "check that `ssh` reaches that host without a prompt and that the docker CLI is installed there"
    elif ep is not None and ep.host.startswith(("tcp://", "https://", "http://")):
        hint = "check that the engine listens there (`docker -H ADDRESS info`), the TLS settings (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), or point DOCKER_HOST elsewhere"
    else:
        hint = "start the Docker engine (on a host without one, as root: scripts/engine from the devparity repo), or point DOCKER_HOST at a running engine"
    return EngineUnavailable(f"no Docker engine answers at {address}", hint=hint)


def _said(exc: BaseException) -> str:
    """The text of ``exc`` and of the errors that caused it (the SDK wraps
    requests' error, which wraps urllib3's, which wraps OpenSSL's)."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(texts) < 8:
        texts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return " | ".join(texts)


# What the engine says when a published host port is taken: "Bind for
# 0.0.0.0:8000 failed: port is already allocated" (another container) or
# "listen tcp4 127.0.0.1:8000: bind: address already in use" (a host process).
_PORT_TAKEN = ("already allocated", "address already in use")


@contextlib.contextmanager
def mapped_errors(what: str, *, missing: type[NotFound] = NotFound) -> Iterator[None]:
    """Turn engine-client exceptions (the SDK's, devparity.engine.lite's)
    raised inside the block into devparity errors, the one place that reads
    status codes and engine messages: 404 is ``missing`` (NotFound, or
    ImageNotFound where the block asks for an image, or where the engine
    says no such image), 409 (and 403, a network in use) Conflict, a taken
    host port PortInUse. Callers catch those classes; none looks at
    ``__cause__`` or at the text."""
    try:
        yield
    except (lite.APIError, lite.Unreachable, lite.Slow) as exc:
        raise _from_lite(what, exc, missing) from exc
    except Exception as exc:
        # The SDK is imported only when used: without it (and the HTTP stack
        # under it, whose errors it lets through), nothing raised can be its.
        sdk = any(m in sys.modules for m in ("docker", "requests", "urllib3"))
        mapped = _from_sdk(what, exc, missing) if sdk else None
        if mapped is None:
            raise
        raise mapped from exc


def _from_status(what: str, status: int | None, text: str, missing: type[NotFound], *, image: bool) -> EngineError:
    if image:
        return ImageNotFound(f"{what}: image not found ({text})")
    if status == 404:
        return missing(f"{what}: not found ({text})")
    if status in (403, 409):  # 403: a network that still has endpoints (containers on it)
        return Conflict(f"{what}: the engine said: {text}")
    if any(marker in text for marker in _PORT_TAKEN):
        return PortInUse(f"{what}: a published host port is in use ({text})")
    return EngineError(f"{what}: the engine said: {text}")


# The 404 messages the SDK reads as "no such image" (docker.errors), so an
# image lookup is ImageNotFound by either client.
_NO_IMAGE = (
    "no such image",
    "not found: does not exist or no pull access",
    "repository does not exist",
    "was found but does not match the specified platform",
)


def _from_lite(what: str, exc: Exception, missing: type[NotFound]) -> EngineError:
    if isinstance(exc, lite.APIError):
        text = exc.explanation.strip()
        image = exc.status == 404 and any(m in text.lower() for m in _NO_IMAGE)
        return _from_status(what, exc.status, text, missing, image=image)
    if isinstance(exc, lite.Slow):
        return _too_slow(what)
    return _unavailable(exc)


def _too_slow(what: str) -> EngineUnavailable:
    return EngineUnavailable(
        f"{what}: the Docker engine at {engine_address()} did not answer in time",
        hint="check the engine (`docker info`), then try again",
    )


def _from_sdk(what: str, exc: Exception, missing: type[NotFound]) -> EngineError | None:
    """The SDK's exception as devparity's; None when it is none of the SDK's."""
    from docker import errors as de
    from requests.exceptions import ChunkedEncodingError, Timeout
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from urllib3.exceptions import ProtocolError, ReadTimeoutError

    if isinstance(exc, de.APIError):  # ImageNotFound and NotFound are APIErrors
        status = 404 if isinstance(exc, de.NotFound) else exc.status_code
        return _from_status(what, status, _explanation(exc), missing, image=isinstance(exc, de.ImageNotFound))
    if isinstance(exc, (RequestsConnectionError, ChunkedEncodingError, ProtocolError)):
        # The last two: the engine died in the middle of a streamed answer
        # (a build, a pull); the SDK reads those streams below requests, so
        # urllib3's own error arrives unwrapped. See tests/integration/faults.
        return _unavailable(exc)
    if isinstance(exc, (Timeout, ReadTimeoutError)):
        return _too_slow(what)
    if isinstance(exc, de.DockerException):
        return EngineError(f"{what}: {exc}")
    return None


def _explanation(exc: Any) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return str(text).strip()
