"""What a ready probe reads (issue 8): a container's own /proc files seen
from this host when the engine is local, or a command's output and exit
code run in the container (the fallback, and ``ready.command``). No traffic
to a container's address: the engine's networks are not this host's to
reach (a remote engine, Docker Desktop's VM, a rootless engine)."""

from __future__ import annotations

from pathlib import Path

from devparity.engine import containers, engine_address

# The longest a probe's command may write that is kept (a /proc/net/tcp of a
# busy server is a few KiB; a chatty `pg_isready` a line).
MAX_OUTPUT = 1 << 20


def is_local() -> bool:
    """Whether the engine runs on this host (its unix socket): only then can
    a container's pid name one of this host's processes."""
    return engine_address().startswith("unix://")


def read_proc(pid: int, rel: str) -> str | None:
    """``/proc/PID/REL`` as text, or None when it cannot be read (gone, not
    ours to read, no /proc here)."""
    if pid <= 0:
        return None
    try:
        return (Path("/proc") / str(pid) / rel).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def run(cid: str, argv: list[str]) -> tuple[int, str]:
    """Run ``argv`` in container ``cid`` (not interactive) to its end: its
    exit code and stdout. Raises the engine's errors (a container that is
    restarting refuses an exec: Conflict)."""
    exec_id = containers.exec_create(cid, argv, tty=False)
    out = bytearray()
    for chunk, _err in containers.exec_stream(exec_id):
        if chunk and len(out) < MAX_OUTPUT:
            out += chunk
    return containers.exec_exit_code(exec_id), out.decode("utf-8", "replace")
