"""`logs` and `exec`: attach to one container of this checkout, named by
its component (``dev``, ``prod``, ``db``, ``prod/db``; devparity.roles),
found by label (devparity.identity.scan). Apart from devparity.commands.lifecycle,
so `down` and `status` do not load the terminal handling and the roles'
container specs they never use."""

from __future__ import annotations

import os
import select
import signal
import stat
import sys
import termios
import tty
from typing import Any

from devparity import identity, labels, ui
from devparity.config import Config
from devparity.engine import containers as engine_containers
from devparity.engine.models import EPOCH, ContainerInfo
from devparity.errors import EXIT_OK, ContainerNotFound
from devparity.project import Project
from devparity.roles import resolve_component

SHELL = ["/bin/sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"]


def _container(project: Project, word: str, *, running: bool) -> ContainerInfo:
    """The newest container of the component ``word`` names (roles.resolve_component:
    ``dev``, ``prod``, ``db``, ``prod/db``)."""
    comp = resolve_component(word, project.config)
    found = [c for c in identity.scan(project.config, comp.role).ours if (c.kind, c.component) == (comp.kind, comp.name)]
    if running:
        found = [c for c in found if c.running]
    if not found:
        what = "running " if running else ""
        noun = "container" if comp.kind == labels.APP else f"{comp.kind} container"
        raise ContainerNotFound(
            f"no {what}{comp.label()} {noun} for {project.config.name}",
            hint=f"start one with `devparity up {comp.role}`" + (" --detach" if comp.role == "prod" else ""),
        )
    return max(found, key=lambda c: c.created or EPOCH)


def split_target(argv: list[str], config: Config) -> tuple[str, list[str]]:
    """``exec [TARGET] [--] [CMD...]``: the first word is the target when it
    names a role, a service or a process (``dev``, ``db``, ``prod/db``) or
    holds a ``/`` before any ``--``; otherwise the command runs in dev."""
    argv = list(argv)
    target = "dev"
    names = {"dev", "prod", *(s.name for s in config.services), *(p.name for p in config.processes)}
    if argv and argv[0] != "--" and (argv[0] in names or _role_word(argv[0])):
        target = argv.pop(0)
    if argv and argv[0] == "--":
        argv.pop(0)
    return target, argv


def _role_word(word: str) -> bool:
    role, sep, _ = word.partition("/")
    return bool(sep) and role in ("dev", "prod")


def logs(project: Project, *, role: str = "dev", follow: bool = False) -> int:
    c = _container(project, role, running=False)
    try:
        for line in engine_containers.lines(engine_containers.logs(c.id, follow=follow)):
            ui.out(line)
    except KeyboardInterrupt:  # the way to end `logs -f`
        pass
    return EXIT_OK


def exec_(project: Project, *, role: str = "dev", command: list[str] | None = None) -> int:
    """Run ``command`` (default: a shell) in the running container of ``role``
    as its user; with a terminal on both ends it is interactive (TTY)."""
    c = _container(project, role, running=True)
    argv = list(command or SHELL)
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    piped = not tty and _has_input()
    exec_id = engine_containers.exec_create(c.id, argv, tty=tty, stdin=piped)
    if tty:
        _interactive(exec_id)
    elif piped:
        outs = {1: sys.stdout.buffer, 2: sys.stderr.buffer}

        def write(stream: int, data: bytes) -> None:
            out = outs.get(stream, sys.stdout.buffer)
            out.write(data)
            out.flush()

        engine_containers.exec_piped(exec_id, sys.stdin.fileno(), write)
    else:
        for out, err in engine_containers.exec_stream(exec_id):
            if out:
                sys.stdout.buffer.write(out)
                sys.stdout.buffer.flush()
            if err:
                sys.stderr.buffer.write(err)
                sys.stderr.buffer.flush()
    return engine_containers.exec_exit_code(exec_id)


def _has_input() -> bool:
    """Whether stdin is a pipe or file worth forwarding (not a terminal, not
    closed or /dev/null, as under CI)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):  # closed, or replaced by something without a fd
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def _interactive(exec_id: str) -> None:
    """Pump the terminal (raw mode) to and from the exec's socket."""
    sock = engine_containers.exec_socket(exec_id)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)

    def resize(*_: Any) -> None:
        size = os.get_terminal_size(sys.stdout.fileno())
        engine_containers.exec_resize(exec_id, size.lines, size.columns)

    previous = signal.signal(signal.SIGWINCH, resize)
    try:
        tty.setraw(fd)
        resize()
        while True:
            ready, _, _ = select.select([fd, sock], [], [])
            if sock in ready:
                data = sock.recv(65536)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if fd in ready:
                data = os.read(fd, 65536)
                if not data:
                    break
                sock.sendall(data)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGWINCH, previous)
        sock.close()
