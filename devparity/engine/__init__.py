"""The only place that imports the Docker SDK.

Submodules talk to the engine (``images``, ``containers``, ``archive``); this
module owns the client and maps SDK errors to devparity's own, once.
``docker`` is imported lazily so commands that need no engine (``lock
--check``, ``render``) start fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from devparity.errors import EngineError, EngineUnavailable, ImageNotFound

if TYPE_CHECKING:
    import docker

# Every object devparity creates carries these labels, so status and cleanup
# are label queries, never guesses.
LABEL_PROJECT = "devparity.project"
LABEL_ROLE = "devparity.role"
LABEL_INPUTS = "devparity.inputs"  # hash of the environment inputs (lock inputs)
LABEL_SOURCE = "devparity.source"  # hash of the source tree baked into an image
LABEL_CONFIG = "devparity.config"  # path of the devparity.toml (where another checkout lives)
# A stable id of the project root: two clones with one [project].name are two
# checkouts, and each acts on its own containers and images only (issue 7).
LABEL_CHECKOUT = "devparity.checkout"
# Set on a container at create time, never on an image: role:nonce:hmac
# (devparity.identity). A container inherits its image's labels, so only this
# one tells a container devparity created from one that merely runs its image.
LABEL_CREATED = "devparity.created"


# Seconds to wait for the engine to answer a ping: a socket that accepts but
# never answers (a wedged dockerd) must fail fast, not after API_TIMEOUT.
PING_TIMEOUT = 10
API_TIMEOUT = 120  # a single API call (image inspect of a large image, a stop)


def engine_address() -> str:
    """Where the SDK will look for the engine, for error messages."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


@functools.lru_cache(maxsize=1)
def client() -> docker.DockerClient:
    """A connected client; raises EngineUnavailable with what to try."""
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


@contextlib.contextmanager
def mapped_errors(what: str) -> Iterator[None]:
    """Turn SDK exceptions raised inside the block into devparity errors."""
    from docker import errors as de
    from requests.exceptions import ChunkedEncodingError, Timeout
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from urllib3.exceptions import ProtocolError, ReadTimeoutError

    try:
        yield
    except de.ImageNotFound as exc:
        raise ImageNotFound(f"{what}: image not found ({_explanation(exc)})") from exc
    except de.NotFound as exc:
        raise EngineError(f"{what}: not found ({_explanation(exc)})") from exc
    except de.APIError as exc:
        raise EngineError(f"{what}: the engine said: {_explanation(exc)}") from exc
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
