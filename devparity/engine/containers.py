"""Containers: the thin layer that applies a ContainerSpec and answers label
queries with typed ContainerInfo (devparity.engine.models). Decisions live
in devparity.roles; this module only acts."""

from __future__ import annotations

import contextlib
import os
import select
import socket
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from devparity import identity, labels
from devparity.engine import api, client, mapped_errors, volumes
from devparity.engine.models import ContainerEvent, ContainerInfo
from devparity.errors import Conflict, DevparityError, NotFound, PortInUse

if TYPE_CHECKING:  # annotations only: `down` and `status` load this module, not the specs
    from devparity.engine.specs import ContainerSpec

STOP_TIMEOUT = 2  # seconds; the init process and the supervisor stop in ~0.1 s


def run(spec: ContainerSpec, *, prepare: Callable[[str], None] | None = None) -> str:
    """Create and start ``spec``; returns the container id. A container that
    fails to start is removed again (a half-made container would hold the name).
    ``prepare(cid)`` runs between create and start (files copied in: [dev].source = sync).
    The created-token label is added here, at create time (devparity.identity)."""
    api = client().api
    for m in spec.mounts:
        if not m.source.startswith("/"):  # a named volume (a dev build cache)
            volumes.ensure(m.source, spec.labels)
    host_config = api.create_host_config(
        binds={m.source: {"bind": m.target, "mode": "ro" if m.read_only else "rw"} for m in spec.mounts},
        port_bindings={f"{p.container}/tcp": (p.host_ip, p.host_port) for p in spec.ports},
        init=spec.init,
        tmpfs=dict(spec.tmpfs) or None,
        security_opt=list(spec.security_opt) or None,
        cap_drop=list(spec.cap_drop) or None,
        cap_add=list(spec.cap_add) or None,
        network_mode=spec.network,
        restart_policy={"Name": spec.restart} if spec.restart else None,
    )
    # the aliases (a service's name) go with the endpoint on the role's network
    networking = (
        api.create_networking_config({spec.network: api.create_endpoint_config(aliases=list(spec.aliases) or None)})
        if spec.network
        else None
    )
    try:
        with mapped_errors(f"create {spec.name}"):
            created = api.create_container(
                spec.image,
                command=list(spec.command) or None,  # None: the image's own CMD (a service)
                environment=dict(spec.env),
                user=spec.user or "",
                labels=identity.stamp(spec.labels),
                working_dir=spec.working_dir,
                ports=[(p.container, "tcp") for p in spec.ports],
                host_config=host_config,
                networking_config=networking,
                name=spec.name,
                detach=True,
            )
    except Conflict:
        raise Conflict(
            f"a container named {spec.name} already exists and is not one devparity can replace",
            hint=f"see `devparity status`; if nothing needs it, remove it with `docker rm -f {spec.name}`",
        ) from None
    cid: str = created["Id"]
    try:
        if prepare is not None:
            prepare(cid)
        with mapped_errors(f"start {spec.name}"):
            api.start(cid)
    except Exception as exc:  # an engine error, or a prepare that could not read the project
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True)
        if isinstance(exc, PortInUse):
            ports = ", ".join(p.describe() for p in spec.ports)
            raise PortInUse(
                f"cannot start {spec.name}: a host port it publishes ({ports}) is in use",
                hint=f"stop what uses it, or map another host port in devparity.toml ([{spec.role}].ports)",
            ) from None
        raise
    return cid


def find(project_name: str, role: str | None = None) -> list[ContainerInfo]:
    """Every container labelled with ``project_name`` (all states, from the
    list summaries: no exit code, start time or config): other checkouts'
    and strangers' too. Commands use devparity.identity.scan, which keeps
    this checkout's."""
    wanted = [f"{labels.PROJECT}={project_name}"] + ([f"{labels.ROLE}={role}"] if role else [])
    with mapped_errors("list containers"):
        found = api().containers(all=True, filters={"label": wanted})
    return [ContainerInfo.from_summary(c) for c in found]


def inspect(ref: str) -> ContainerInfo | None:
    """The container (id or name), or None when it no longer exists."""
    try:
        return get(ref)
    except NotFound:
        return None


def get(ref: str) -> ContainerInfo:
    """The container (id or name); raises NotFound when it does not exist."""
    with mapped_errors(f"inspect container {ref[:64]}"):
        doc = api().inspect_container(ref)
    return ContainerInfo.from_inspect(doc)


def remove(cid: str, *, timeout: int = STOP_TIMEOUT) -> None:
    """Stop (TERM, KILL after ``timeout`` s) and remove; gone already is fine,
    and so is a Conflict: another remove of it is already under way.

    ``v=True`` removes the container's anonymous volumes with it: an image's
    VOLUME that no config names (redis:7's /data) would otherwise leave one
    unlabelled volume behind per container. Named volumes (a service's
    ``data``, the dev caches) are never removed by it."""
    api = client().api
    with contextlib.suppress(NotFound, Conflict), mapped_errors(f"remove {cid[:12]}"):
        api.stop(cid, timeout=timeout)
        api.remove_container(cid, force=True, v=True)


def remove_at_once(cid: str) -> None:
    """Remove now, as `docker rm -f -v` does (KILL, then remove, one call); gone
    already is fine, and so is a Conflict (another remove under way)."""
    with contextlib.suppress(NotFound, Conflict), mapped_errors(f"remove {cid[:12]}"):
        api().remove_container(cid, force=True, v=True)


def events(wanted: Mapping[str, str], actions: tuple[str, ...]) -> Any:
    """The engine's stream of container events (``actions``: die, start, ...)
    of containers carrying every label in ``wanted``, as ContainerEvents
    from now on. It has ``close()``; closing it from another thread ends the
    iteration."""
    filters = {"type": ["container"], "event": list(actions), "label": [f"{k}={v}" for k, v in wanted.items()]}
    with mapped_errors("follow engine events"):
        return client().api.events(filters=filters, decode=True)


def event_models(stream: Any) -> Iterator[ContainerEvent]:
    """The events of ``events()`` as typed models; a closed or broken
    connection ends the iteration."""
    with contextlib.suppress(Exception):
        for doc in stream:
            yield ContainerEvent.parse(doc)


def kill(cid: str, signal: str) -> None:
    with mapped_errors(f"signal {cid[:12]}"):
        client().api.kill(cid, signal=signal)


def logs(cid: str, *, follow: bool, tail: int | str = "all") -> Any:
    """A stream of output chunks (stdout and stderr interleaved). It has
    ``close()``; closing it from another thread ends the iteration."""
    with mapped_errors(f"logs of {cid[:12]}"):
        return client().api.logs(cid, stream=True, follow=follow, tail=tail)


def lines(stream: Any) -> Iterator[str]:
    """Complete text lines from a log stream (a chunk may hold several, or part of one)."""
    buf = b""
    with contextlib.suppress(Exception):  # a closed or broken connection ends the stream
        for chunk in stream:
            buf += chunk
            *done, buf = buf.split(b"\n")
            for line in done:
                yield line.decode("utf-8", "replace").rstrip("\r")
    if buf:
        yield buf.decode("utf-8", "replace")


def log_tail(cid: str, n: int) -> list[str]:
    """The container's last ``n`` log lines; [] when the engine cannot give
    them (the container is gone or restarting): a failure report goes on
    without them."""
    try:
        return list(lines(logs(cid, follow=False, tail=n)))
    except DevparityError:
        return []


def exec_create(cid: str, argv: list[str], *, tty: bool, stdin: bool = False) -> str:
    with mapped_errors(f"exec in {cid[:12]}"):
        exec_id: str = client().api.exec_create(cid, argv, stdin=tty or stdin, tty=tty)["Id"]
    return exec_id


def exec_piped(exec_id: str, stdin_fd: int, write: Callable[[int, bytes], None]) -> None:
    """Run a non-TTY exec with ``stdin_fd`` piped in (half-closed at its
    EOF, so the command sees end of input) and its output frames handed to
    ``write(stream, data)``, stream 1 = stdout, 2 = stderr."""
    with mapped_errors("exec"):
        sock = client().api.exec_start(exec_id, socket=True, tty=False)
    raw = getattr(sock, "_sock", sock)
    frames = FrameReader()
    inputs = [stdin_fd, raw]
    try:
        while True:
            ready, _, _ = select.select(inputs, [], [])
            if stdin_fd in ready:
                data = os.read(stdin_fd, 65536)
                if data:
                    raw.sendall(data)
                else:
                    raw.shutdown(socket.SHUT_WR)
                    inputs.remove(stdin_fd)
            if raw in ready:
                chunk = raw.recv(65536)
                if not chunk:
                    return
                for stream, data in frames.feed(chunk):
                    write(stream, data)
    finally:
        raw.close()


class FrameReader:
    """The engine's multiplexed stream for a non-TTY attach: frames of an
    8-byte header (stream id, 3 zero bytes, big-endian length) and a payload;
    chunks from the socket may split frames anywhere."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, chunk: bytes) -> Iterator[tuple[int, bytes]]:
        self.buf += chunk
        while len(self.buf) >= 8:
            size = int.from_bytes(self.buf[4:8], "big")
            if len(self.buf) < 8 + size:
                return
            stream, payload, self.buf = self.buf[0], self.buf[8 : 8 + size], self.buf[8 + size :]
            yield stream, payload


def exec_stream(exec_id: str) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Output of a non-interactive exec as (stdout, stderr) chunks."""
    with mapped_errors("exec"):
        yield from client().api.exec_start(exec_id, stream=True, demux=True)


def exec_socket(exec_id: str) -> Any:
    """The raw socket of an interactive (TTY) exec."""
    with mapped_errors("exec"):
        sock = client().api.exec_start(exec_id, socket=True, tty=True)
    return getattr(sock, "_sock", sock)


def exec_resize(exec_id: str, height: int, width: int) -> None:
    with contextlib.suppress(Exception):  # the exec may have ended already
        client().api.exec_resize(exec_id, height=height, width=width)


def exec_exit_code(exec_id: str) -> int:
    with mapped_errors("exec"):
        code = client().api.exec_inspect(exec_id).get("ExitCode")
    return 0 if code is None else int(code)
