"""`devparity up [dev|prod|all] [--detach]`: run dev and/or prod from one image.

Both roles come from a single ``builder.ensure(..., with_source=False)``: the
newest image built from the same environment inputs, even when the source
changed since (dev mounts the live source). That is what makes a later
``up prod`` run the very image id dev runs. In the foreground, devparity.dev.session
watches, reloads and cleans up; ``--detach`` starts and returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from pathlib import Path

from devparity import backing, builder, cache, identity, labels, plan, processes, readiness, secrets, ui
from devparity import roles as role_specs
from devparity.config import Config
from devparity.dev import sync, watch
from devparity.dev.servicewatch import ServiceWatch
from devparity.dev.seam import DockerEngine
from devparity.dev.session import Session
from devparity.engine import containers as engine_containers
from devparity.engine import images
from devparity.roles import DEV, PROD, ContainerSpec
from devparity.errors import EXIT_OK, DevparityError, UsageError
from devparity.project import Project


class RunGuard:
    """At most one ``up`` per project and role on this machine: a ``flock``'d
    file per role under the cache's run/ dir, keyed by the project path. The
    kernel drops the lock when the process dies, so a killed session never
    blocks the next one."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.key = hashlib.sha256(str(config.root).encode()).hexdigest()[:16]
        self.fds: list[int] = []

    def path(self, role: str) -> Path:
        return cache.cache_dir("run") / f"{self.key}-{role}.lock"

    def acquire(self, roles: tuple[str, ...]) -> None:
        for role in roles:
            fd = os.open(self.path(role), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                self.release()
                raise UsageError(
                    f"devparity up is already running for {self.config.name} (pid {holder})",
                    hint="use that session, or stop it (Ctrl-C) before starting another",
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fds.append(fd)

    def release(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()


def remove_previous(config: Config, roles: tuple[str, ...]) -> None:
    """This checkout's containers of these roles left by an earlier (detached
    or killed) session; other checkouts' and other tools' stay. Service
    containers are devparity.backing's: kept when they still match."""
    for c in identity.scan(config).ours:
        if c.role in roles and c.kind != labels.SERVICE:
            engine_containers.remove(c.id)


def warn_if_open(spec: ContainerSpec) -> None:
    """A port published beyond loopback is reachable from the network: say so
    at every `up`, since devparity.toml may come from a teammate."""
    if spec.open_to_network():
        where = ", ".join(sorted({p.host_ip for p in spec.ports if not role_specs.is_loopback(p.host_ip)}))
        ui.warn(
            f"{spec.role} publishes its ports on {identity.printable(where)}: open to the network, not just this machine; "
            f'set [{spec.role}].host = "127.0.0.1" to keep them local'
        )


def _describe(spec: ContainerSpec, config: Config) -> None:
    warn_if_open(spec)
    component = processes.component_of(spec)
    if component.kind != labels.APP:  # a process: what it runs instead of ports
        ui.ok(f"{component.label()}  {' '.join(spec.command[2:] if spec.role == DEV else spec.command)}")
        return
    where = "  ".join(p.url() for p in spec.ports) or "(no ports)"
    extra = f"  reload: {config.reload}" if spec.role == DEV else ""
    if spec.sync is not None:
        extra += "  source: sync"  # [dev].source (issue 9): copied in, not mounted
    ui.ok(f"{spec.role:<4} {where}  image {spec.image.removeprefix('sha256:')[:12]}{extra}")


def _older_source(result: builder.ImageResult) -> None:
    """Say so when prod will run source older than the working tree: dev
    and prod run one image, found by its environment inputs alone (dev
    mounts the live source over the image's), so prod serves the source
    baked in when that image was built."""
    baked = images.inspect(result.id).labels.get(labels.SOURCE)
    if baked != result.plan.source_hash:
        ui.note(
            f"prod runs the source baked into image {result.id.removeprefix('sha256:')[:12]} when it was built, "
            "not your latest edits: `devparity build` bakes the current source into a new image for the next `up`"
        )


def up(project: Project, *, role: str = DEV, detach: bool = False, wait: bool = False,
       wait_timeout: float = readiness.DEFAULT_TIMEOUT) -> int:
    """Start ``role``'s containers; ``wait``: return (detached) or print
    "ready" (foreground) only once each answers on its ports, failing with
    NotReady after ``wait_timeout`` seconds."""
    config = project.config
    roles = role_specs.roles_for(role)
    guard = RunGuard(config)
    guard.acquire(roles)
    try:
        started = time.monotonic()
        services = backing.Starting(project, roles) if config.services or config.processes else None
        try:
            result = builder.ensure(
                plan.for_project(project), salt=secrets.salt_of(project.lock), with_source=False, on_line=ui.progress
            )
            running = services.result() if services else []
        except BaseException:
            if services and not detach:  # a foreground session leaves nothing it started
                _abandon(config, services, roles)
            raise
        short = result.id.removeprefix("sha256:")[:12]
        if result.built:
            ui.ok(f"built image {short} in {time.monotonic() - started:.1f}s")
        elif PROD in roles:
            _older_source(result)
        remove_previous(config, roles)
        ready = Ready(wait, wait_timeout)
        if detach:
            return _detached(project, result, roles, running, ready)
        return _foreground(project, result, roles, running, ready)
    finally:
        guard.release()


def _abandon(config: Config, services: backing.Starting, roles: tuple[str, ...]) -> None:
    """The image could not be had (a failed build, Ctrl-C): remove the
    services this foreground `up` started meanwhile."""
    services.thread.join()
    with contextlib.suppress(DevparityError):  # the error being raised says more (an engine gone, ...)
        backing.teardown(config, services.started, roles)


class Ready:
    """`--wait` and the loopback check after the containers started. With
    ``wait`` the first failure is an error; without it, only the loopback
    warning is wanted, so a foreground session checks in the background
    and stays quiet about everything else."""

    def __init__(self, wait: bool, timeout: float) -> None:
        self.wait, self.timeout = wait, timeout
        self.error: DevparityError | None = None
        self.begun = time.monotonic()

    def check(self, targets: list[readiness.Target], stop: threading.Event | None = None) -> None:
        """Block until ready; raises NotReady (``wait``) or returns quietly."""
        try:
            late = readiness.wait(targets, timeout=self.timeout if self.wait else QUIET_CHECK, stop=stop,
                                  poll=readiness.POLL if self.wait else QUIET_POLL)
        except DevparityError:
            if self.wait:
                raise
            return
        if not self.wait or (stop is not None and stop.is_set()):
            return
        if late:
            raise readiness.timed_out(late, self.timeout)
        names = ", ".join(t.label for t in targets)
        ui.ok(f"ready: {names} answering ({(time.monotonic() - self.begun) * 1000:.0f} ms)")

    def in_background(self, targets: list[readiness.Target], stop: threading.Event) -> None:
        """``check`` on a thread; an error is kept and ends the session."""

        def run() -> None:
            try:
                self.check(targets, stop)
            except DevparityError as exc:
                self.error = exc
                stop.set()

        threading.Thread(target=run, name="devparity-ready", daemon=True).start()


# How long a foreground `up` without --wait looks for the loopback trap.
QUIET_CHECK = 30.0
QUIET_POLL = 0.05  # nobody waits on that check: spare the CPU


def _detached(project: Project, result: builder.ImageResult, roles: tuple[str, ...],
              services: list[backing.Started], ready: Ready) -> int:
    backing.wait_ready(project.config, services)  # before the app: it may connect as it starts
    targets = []
    for role in roles:
        for spec in processes.specs_for(role, project, result, watching=False):
            targets.append(readiness.Target(spec, engine_containers.run(spec, prepare=sync.prepare_for(spec))))
            _describe(spec, project.config)
    if ready.wait:
        ready.check(targets)
    ui.note("detached: `devparity logs`, `devparity status`, `devparity down`")
    return EXIT_OK


def _foreground(project: Project, result: builder.ImageResult, roles: tuple[str, ...],
                started: list[backing.Started], ready: Ready) -> int:
    stop = threading.Event()
    code = EXIT_OK
    with watch.stop_on_signals(stop):
        session = Session(project, result, stop=stop, engine=DockerEngine())
        crashes = ServiceWatch(project.config, started)
        try:
            backing.wait_ready(project.config, started, stop=stop)  # before the app: it may connect as it starts
            crashes = ServiceWatch(project.config, started).start()
            if not stop.is_set():
                session.start(roles)
            for r in session.running.values():
                _describe(r.spec, project.config)
            if not stop.is_set():
                ready.in_background([readiness.Target(r.spec, r.cid) for r in session.running.values()], stop)
            if DEV in roles and not stop.is_set():
                took = session.watch()
                ui.note(f"watching {project.config.root} (ready in {took * 1000:.0f} ms); Ctrl-C to stop")
            if not stop.is_set():
                code = session.loop()
        finally:
            crashes.stop()
            removed = session.teardown()
            if started or project.config.services or project.config.processes:
                removed += backing.teardown(project.config, started, roles)
            if removed:
                ui.ok(f"stopped and removed {', '.join(removed)}")
    if ready.error is not None:
        raise ready.error
    return code
