"""`up --wait` (issue 11, point 7): block until every started container
answers on its published ports, and notice the loopback trap on the way.

Why not just connect to the host port until it answers: the engine's
docker-proxy accepts on the host port before the container's network is
wired, and a connection in that window makes the kernel ARP for the
container, unanswered, then retry only after 1 s (benchmarks/RESULTS.md,
"up"). So each round first reads the container's listening sockets (its
/proc/PID/net/tcp from this host when the engine is local, else by exec):
a non-loopback listener on the port means the process runs, hence the
network is wired; only then is 127.0.0.1:HOST_PORT connected to. The proxy
accepts and, when the app refuses it, closes at once: a connection still
open after a few ms is the app's.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from devparity import listening, loopback, processes, secrets, ui
from devparity.engine import containers, engine_address, probes
from devparity.engine.specs import ContainerSpec, PortBinding
from devparity.errors import NotReady

POLL = 0.003  # seconds between rounds on a local engine: a round is two file reads
POLL_EXEC = 0.1  # through exec (a remote engine): each round is a round trip
PROXY_GRACE = 0.01  # a refused backend makes the proxy close within a millisecond
DEFAULT_TIMEOUT = 60.0
LOG_TAIL = 20
_ANY = ("", "0.0.0.0", "::", "127.0.0.1", "::1")


@dataclass
class Target:
    """A started container to wait for."""

    spec: ContainerSpec
    cid: str
    pid: int = 0
    warned: bool = False
    answered: set[int] = field(default_factory=set)  # host ports that answered

    @property
    def label(self) -> str:
        return processes.key_of(self.spec)


def connects_here() -> bool:
    """Whether the engine publishes ports on this host (a unix socket, or
    tcp to loopback as a second local engine): only then is 127.0.0.1 the
    published port's address."""
    address = engine_address()
    if address.startswith("unix://"):
        return True
    host = urlparse(address).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def answers(port: int, grace: float = PROXY_GRACE) -> bool:
    """Does 127.0.0.1:``port`` answer: it accepts, and the proxy behind it
    does not close the connection right away (data from a server that
    speaks first counts as an answer)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            readable, _, _ = select.select([s], [], [], grace)
            if not readable:
                return True
            return bool(s.recv(1, socket.MSG_PEEK))
    except OSError:
        return False


def _listeners(t: Target, local: bool) -> list[loopback.Listener] | None:
    """The container's listening sockets; None when it is not running."""
    if local:
        if t.pid <= 0 or probes.read_proc(t.pid, "cgroup") is None:
            info = containers.inspect(t.cid)
            if info is None or not info.running:
                return None
            t.pid = info.pid
        found = listening.from_host(t.cid, t.pid)
        if found is not None:
            return found
    info = containers.inspect(t.cid)
    if info is None or not info.running:
        return None
    return listening.by_exec(t.cid) or []  # unreadable (no sh in the image): nothing seen listening


def _connectable(p: PortBinding) -> bool:
    return p.host_ip in _ANY


def _round(t: Target, local: bool, here: bool, warn: Callable[[str], None]) -> bool:
    """One look at ``t``; True once every published port answers. Raises
    NotReady when the container stopped."""
    found = _listeners(t, local)
    if found is None:
        raise NotReady(f"{t.label} stopped before it answered", hint=f"see `devparity logs {t.label}`",
                       log_tail=last_lines(t))
    for p in t.spec.ports:
        if p.host_port in t.answered:
            continue
        if loopback.reachable(found, p.container):
            if not (here and _connectable(p)) or answers(p.host_port):
                t.answered.add(p.host_port)
            continue
        trap = loopback.trapped(found, p.container)
        if trap is not None and not t.warned:
            t.warned = True
            command = t.spec.command[2:] if t.spec.role == "dev" else t.spec.command
            warn(loopback.warning(t.label, trap, p.url(), command))
    return all(p.host_port in t.answered for p in t.spec.ports)


def wait(targets: list[Target], *, timeout: float = DEFAULT_TIMEOUT, stop: threading.Event | None = None,
         warn: Callable[[str], None] = ui.warn, clock: Callable[[], float] = time.monotonic,
         poll: float = POLL) -> list[Target]:
    """Poll until every target answers on all its published ports; returns
    those that did not within ``timeout`` (empty: all ready). Containers
    without ports count once they run. Warns once per target caught in the
    loopback trap. Raises NotReady when one stops; returns early on ``stop``.
    ``poll``: seconds between rounds (a few ms: `--wait` returns as soon as
    the port answers; longer for a check nobody waits on)."""
    local, here = probes.is_local(), connects_here()
    pending = list(targets)
    deadline = clock() + timeout
    while pending:
        pending = [t for t in pending if not _round(t, local, here, warn)]
        if not pending or clock() >= deadline:
            break
        pause = poll if local else max(poll, POLL_EXEC)
        if stop is not None:
            if stop.wait(pause):
                break
        else:
            time.sleep(pause)
    return pending


def last_lines(t: Target, n: int = LOG_TAIL) -> list[str]:
    """The container's last log lines, its env's secrets masked."""
    redact = secrets.redactor(t.spec.env)
    return [redact(line) for line in containers.log_tail(t.cid, n)]


def timed_out(late: list[Target], timeout: float) -> NotReady:
    """The error for the first target still not answering."""
    t = late[0]
    ports = ", ".join(p.url() for p in t.spec.ports if p.host_port not in t.answered)
    why = " (it listens on loopback only: see the warning above)" if t.warned else ""
    return NotReady(f"{t.label} did not answer on {ports} within {timeout:g}s{why}",
                    hint=f"its last log lines are above; see `devparity logs {t.label}`", log_tail=last_lines(t))
