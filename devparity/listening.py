"""A running container's listening sockets, and which of its published ports
are caught in the loopback trap (issue 11, point 9a), for `up --wait` and
`status`.

Read from this host when the engine is local (the container's
/proc/PID/net/tcp{,6}, once /proc/PID/cgroup proves the pid is that
container's), else through the engine (an exec of `cat`). `status` runs
after a plain `up --detach`, which returns before the app starts and so
never looks: there, the trap is reported on the next `status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devparity import identity, labels, loopback, services
from devparity.engine import containers, probes
from devparity.engine.models import ContainerInfo, PortInfo
from devparity.errors import EngineError
from devparity.roles import SUPERVISOR_PATH

_TCP_FILES = ("net/tcp", "net/tcp6")
_TCP_ARGV = ["sh", "-c", "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null"]


def from_host(cid: str, pid: int) -> list[loopback.Listener] | None:
    """The listeners read from this host's /proc; None when ``pid`` is not
    ``cid``'s process here (a remote or VM engine) or /proc says nothing."""
    if not services.cgroup_names(probes.read_proc(pid, "cgroup") or "", cid):
        return None
    texts = [probes.read_proc(pid, f) or "" for f in _TCP_FILES]
    return loopback.listeners("\n".join(texts)) if texts[0] else None


def by_exec(cid: str) -> list[loopback.Listener] | None:
    """The listeners as the container itself prints them; None when it
    cannot (no `sh` or `cat` in the image, an exec refused while it
    restarts): /proc/net/tcp's header line is the proof it was read."""
    out = bytearray()
    try:  # its output only: the exit code (an inspect, a round trip: over ssh a new connection) says nothing more
        for chunk, _err in containers.exec_stream(containers.exec_create(cid, _TCP_ARGV, tty=False)):
            if chunk and len(out) < probes.MAX_OUTPUT:
                out += chunk
    except EngineError:
        return None
    text = out.decode("ascii", "replace")
    return loopback.listeners(text) if "local_address" in text else None


@dataclass(frozen=True)
class Trap:
    """A published port only a loopback listener serves inside the container."""

    port: PortInfo
    listener: loopback.Listener
    command: tuple[str, ...]

    def fix(self) -> str:
        return loopback.hint(self.command, self.port.container)

    def url(self) -> str:
        host = f"[{self.port.host_ip}]" if ":" in self.port.host_ip else self.port.host_ip or "0.0.0.0"
        return f"http://{host}:{self.port.host_port}"

    def warning(self, label: str) -> str:
        return loopback.warning(label, self.listener, self.url(), self.command)

    def as_json(self) -> dict[str, object]:
        return {"container_port": self.port.container, "address": self.listener.address, "fix": self.fix()}


def app_command(info: ContainerInfo) -> tuple[str, ...]:
    """The command the app runs as: the container's entrypoint and cmd, the
    dev supervisor's wrapper (`/bin/sh supervise.sh ...`) taken off."""
    config = info.config
    argv = (*(config.entrypoint or ()), *(config.cmd or ())) if config else ()
    if argv[:2] == ("/bin/sh", SUPERVISOR_PATH):
        return argv[2:]
    return argv


def traps(info: ContainerInfo, local: bool) -> list[Trap] | None:
    """The published tcp ports of ``info`` (inspected, running) that only a
    loopback listener serves; none when it publishes nothing; None when its
    sockets cannot be read."""
    ports = _tcp_ports(info.ports)
    if not info.running or not ports:
        return []
    found = from_host(info.id, info.pid) if local else None
    if found is None:
        found = by_exec(info.id)
    if found is None:
        return None
    out = []
    for p in ports:
        listener = loopback.trapped(found, p.container)
        if listener is not None:
            out.append(Trap(p, listener, app_command(info)))
    return out


def report(info: ContainerInfo, local: bool) -> list[dict[str, object]] | None:
    """`status`'s ``loopback_only`` for a container: each trapped port's
    container port, listening address, fix and the line `status` prints;
    None when it does not run or its sockets cannot be read."""
    found = traps(info, local) if info.running else None
    if found is None:
        return None
    role = identity.printable(info.role or "?")
    label = role if info.kind == labels.APP else f"{role}/{identity.printable(info.component)}"
    return [{**t.as_json(), "message": t.warning(label)} for t in found]


def _tcp_ports(ports: Sequence[PortInfo]) -> list[PortInfo]:
    """One binding per container port (the engine lists 0.0.0.0 and :: apart)."""
    seen: dict[int, PortInfo] = {}
    for p in ports:
        if p.protocol == "tcp":
            seen.setdefault(p.container, p)
    return list(seen.values())
