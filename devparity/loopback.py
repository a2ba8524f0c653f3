"""The loopback trap (issue 11, point 9a), decided without the engine.

An app that listens on 127.0.0.1 (or ::1) *inside* its container cannot be
reached through a published port: the engine forwards to the container's
own address, where nothing listens. Flask's `flask run`, Vite and Rails in
development all default to loopback. This module reads the listening
sockets out of /proc/net/tcp{,6} text and names the fix by framework.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass

# /proc/net/tcp's state column: 0A is LISTEN (include/net/tcp_states.h)
_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    address: str  # as text: 127.0.0.1, ::, ...
    port: int
    loopback: bool


def _address(hexaddr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """/proc prints each 32-bit word of the address in the kernel's byte
    order (little-endian on x86 and arm64: 127.0.0.1 is 0100007F)."""
    raw = bytes.fromhex(hexaddr)
    if sys.byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.IPv4Address(raw) if len(raw) == 4 else ipaddress.IPv6Address(raw)


def _is_loopback(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = addr.ipv4_mapped if isinstance(addr, ipaddress.IPv6Address) else None
    return addr.is_loopback or (mapped is not None and mapped.is_loopback)


def listeners(proc_net_tcp: str) -> list[Listener]:
    """The LISTEN sockets in the text of /proc/net/tcp or tcp6 (or both
    concatenated: each header line is skipped)."""
    out: list[Listener] = []
    for line in proc_net_tcp.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[3] != _LISTEN:
            continue
        hexaddr, _, hexport = fields[1].rpartition(":")
        try:
            addr, port = _address(hexaddr), int(hexport, 16)
        except ValueError:
            continue
        out.append(Listener(str(addr), port, _is_loopback(addr)))
    return out


def reachable(found: Iterable[Listener], port: int) -> bool:
    """Something listens on ``port`` on an address the engine forwards to."""
    return any(x.port == port and not x.loopback for x in found)


def trapped(found: Iterable[Listener], port: int) -> Listener | None:
    """The loopback listener on ``port`` when only loopback listens there."""
    on_port = [x for x in found if x.port == port]
    if on_port and all(x.loopback for x in on_port):
        return on_port[0]
    return None


def _words(command: Iterable[str]) -> list[str]:
    """The command's words, a shell string (`sh -c "flask run"`) split too."""
    out: list[str] = []
    for part in command:
        try:
            out += shlex.split(part)
        except ValueError:
            out += part.split()
    return [w.lower().rsplit("/", 1)[-1] for w in out]


def hint(command: Iterable[str], port: int) -> str:
    """How to bind ``port`` on every interface, for the framework the
    command names (the generic advice when it names none we know)."""
    words = _words(command)
    has = set(words).__contains__
    if has("flask"):
        return f"run `flask run --host 0.0.0.0 --port {port}` (or app.run(host=\"0.0.0.0\"))"
    if has("uvicorn"):
        return "add `--host 0.0.0.0` to the uvicorn command"
    if has("gunicorn"):
        return f"add `--bind 0.0.0.0:{port}` to the gunicorn command"
    if has("manage.py") and has("runserver"):
        return f"run `python manage.py runserver 0.0.0.0:{port}`"
    if has("rails") or has("puma") or has("rackup"):
        return "add `-b 0.0.0.0` to the server command (`rails server -b 0.0.0.0`)"
    if has("vite"):
        return "add `--host 0.0.0.0` to the vite command (or set server.host = '0.0.0.0' in vite.config)"
    if any(w in ("node", "nodemon", "npm", "yarn", "pnpm", "npx") for w in words):
        return f"listen on every interface: server.listen({port}, '0.0.0.0') (Vite: `--host 0.0.0.0`)"
    return "bind the server to 0.0.0.0 (every interface) instead of 127.0.0.1 or localhost"


def warning(label: str, listener: Listener, published: str, command: Iterable[str]) -> str:
    """The one line `up` prints for a trapped port."""
    where = f"[{listener.address}]" if ":" in listener.address else listener.address
    return (
        f"{label} listens on {where}:{listener.port} inside its container, which the published port "
        f"{published} cannot reach: {hint(command, listener.port)}"
    )
