"""Backing services at run time (issue 8): the role's network, the service
containers (kept across `up` runs when unchanged), the ready wait, and
their removal. The specs come from devparity.services (pure); this module
acts through devparity.engine and decides nothing about what a spec holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from devparity import identity, labels, listening, pin, secrets, services, ui
from devparity.config import Config
from devparity.config_services import Service
from devparity.engine import containers, images, networks, probes
from devparity.engine.models import ContainerInfo, ImageInfo
from devparity.engine.specs import ContainerSpec
from devparity.errors import ContainerNotFound, DevparityError, EngineError, ImageNotFound, ServiceNotReady
from devparity.project import Project
from devparity.roles import network_name

POLL = 0.05  # seconds between probes: a ready probe without exec is a file read
LOG_TAIL = 20  # a service's last log lines in a ready failure or a crash report


@dataclass
class Started:
    """A service container of this `up`: new, or kept from an earlier run."""

    service: Service
    spec: ContainerSpec
    cid: str
    kept: bool = False
    restarts: int = 0  # the restart count when this `up` took it over
    at: float = field(default_factory=time.monotonic)  # when this `up` started (or found) it

    @property
    def label(self) -> str:
        return f"{self.spec.role}/{self.service.name}"


def image_for(project: Project, service: Service) -> tuple[str, ImageInfo]:
    """The reference a service runs (devparity.pin.service_image) and its
    local image, pulled first when this engine does not hold it."""
    ref = pin.service_image(project, service)
    found = images.find(ref)
    if found is None:
        ui.info(f"pulling {ref} for service {service.name}")
        try:
            images.pull(ref)
        except DevparityError:
            pass  # said below, naming the service
        found = images.find(ref)
    if found is None:
        raise ImageNotFound(
            f"service {service.name}'s image {ref} is not on this engine and could not be pulled",
            hint=f"pull or load {service.image} first (`docker pull {service.image}`)",
        )
    return ref, found


def start(project: Project, role: str, started: list[Started]) -> None:
    """The role's network and its service containers, each created (or kept
    when a running one of this checkout matches its spec), appended to
    ``started`` as they come (a failure half-way leaves the list of what to
    remove). Does not wait for readiness: see :func:`wait_ready`. Side
    effects: may pull images; removes this checkout's service containers of
    ``role`` that no longer match the config."""
    config = project.config
    if not config.services and not config.processes:
        return
    networks.ensure(network_name(config, role), labels.checkout(config.name, config.root))
    existing = {c.component: c for c in identity.scan(config, role).ours if c.kind == labels.SERVICE}

    def one(service: Service) -> None:
        ref, image = image_for(project, service)
        volumes = image.config.volumes if image.config else ()
        spec = services.spec(config, role, service, ref, image_id=image.id, image_volumes=volumes)
        old = existing.get(service.name)
        info = containers.inspect(old.id) if old else None
        if info and services.reusable(spec, running=info.running, inputs=info.inputs, networks=info.networks):
            started.append(Started(service, spec, info.id, kept=True, restarts=info.restart_count))
            return
        if old:
            containers.remove_at_once(old.id)
        started.append(Started(service, spec, containers.run(spec)))

    # Side by side: creating and starting a container is mostly waiting on
    # the engine. Every one is tried; the first error is raised after, so
    # ``started`` holds all that did start.
    with ThreadPoolExecutor(max_workers=len(config.services) or 1) as pool:
        done = [pool.submit(one, s) for s in config.services]
    for future in done:
        future.result()
    wanted = {s.name for s in config.services}
    for name, gone in existing.items():  # a service the config no longer has
        if name not in wanted:
            containers.remove_at_once(gone.id)


class Starting:
    """:func:`start` for every role on a daemon thread: the services need
    nothing of the app's image, so they start while `up` finds (or builds)
    it. :meth:`result` waits and raises what the start raised."""

    def __init__(self, project: Project, roles: tuple[str, ...]) -> None:
        self.started: list[Started] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(project, roles), name="devparity-services", daemon=True)
        self.thread.start()

    def _run(self, project: Project, roles: tuple[str, ...]) -> None:
        try:
            for role in roles:
                start(project, role, self.started)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            self.error = exc

    def result(self) -> list[Started]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.started


def wait_ready(config: Config, started: list[Started], *, stop: threading.Event | None = None,
               clock: Callable[[], float] = time.monotonic) -> None:
    """Probe every service until each is ready (all at once: a cache need not
    wait for the database). Raises ServiceNotReady naming the first that
    times out or exits, with its last log lines; returns early when ``stop``
    is set."""
    begun = clock()
    pending = list(started)
    while pending:
        for s in list(pending):
            info = containers.inspect(s.cid)
            if info is None:
                raise ContainerNotFound(f"service {s.label} was removed before it was ready",
                                        hint="was `devparity down` run meanwhile? start again with `devparity up`")
            if _exited(info, s):
                code = f" with code {info.exit_code}" if info.exit_code is not None else ""
                raise _not_ready(s, f"service {s.label} exited{code} before it was ready")
            if info.running and is_ready(info, services.probe_for(s.service)):
                pending.remove(s)
                # timed from its start: it may have started while the app's image was built
                since = "kept running" if s.kept else f"{time.monotonic() - s.at:.1f}s after its start"
                ui.ok(f"service {s.label} ready ({since})")
            elif clock() - begun >= s.service.ready.timeout:
                raise _not_ready(s, f"service {s.label} was not ready within {s.service.ready.timeout}s")
        if pending and stop is not None and stop.wait(POLL):
            return
        if pending and stop is None:
            time.sleep(POLL)


def _exited(info: ContainerInfo, s: Started) -> bool:
    """A service that exits while starting is broken: the restart policy
    would only repeat it until the timeout."""
    return info.restart_count > s.restarts or info.status in ("exited", "dead")


def is_ready(info: ContainerInfo, probe: services.Probe) -> bool:
    if probe.kind == "running":
        return True
    try:
        if probe.kind == "command":
            code, _ = probes.run(info.id, list(probe.command))
            return code == 0
        return probe.port in listening_ports(info)
    except EngineError:  # restarting, or the command is missing: not ready (yet)
        return False


def listening_ports(info: ContainerInfo) -> set[int]:
    """The container's listening TCP ports (devparity.listening: its /proc
    on this host when the engine is local, else read inside it by exec)."""
    found = listening.from_host(info.id, info.pid) if probes.is_local() else None
    if found is None:
        found = listening.by_exec(info.id) or []
    return {x.port for x in found}


def last_lines(s: Started, n: int = LOG_TAIL) -> list[str]:
    """The service's last log lines with its env's secrets masked."""
    redact = secrets.redactor(s.service.env)
    return [redact(line) for line in containers.log_tail(s.cid, n)]


def _not_ready(s: Started, message: str) -> ServiceNotReady:
    return ServiceNotReady(message, hint=f"its last log lines are above; see `devparity logs {s.label}`",
                           log_tail=last_lines(s))


def teardown(config: Config, started: list[Started], roles: tuple[str, ...]) -> list[str]:
    """Remove the service containers of this `up` (their data volumes stay),
    then the roles' networks once nothing is on them; returns the removed
    containers' names."""
    removed: list[str] = []

    def remove(s: Started) -> None:
        try:
            containers.remove(s.cid)
            removed.append(s.spec.name)
        except DevparityError as exc:
            ui.warn(f"could not remove {s.spec.name}: {exc} (run `devparity down`)")

    if started:
        with ThreadPoolExecutor(max_workers=len(started)) as pool:
            list(pool.map(remove, started))
    remove_networks(config, roles)
    return sorted(removed)


def remove_networks(config: Config, roles: tuple[str, ...] | None = None) -> list[str]:
    """This checkout's networks (of ``roles``, or all) that no container
    uses any more; a network still in use stays. Returns the removed names."""
    names = {network_name(config, r) for r in roles} if roles is not None else None
    return networks.remove_unused(labels.checkout(config.name, config.root), names)
