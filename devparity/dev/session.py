"""The foreground ``devparity up``: one loop that owns the containers it
started and reacts to events from three kinds of threads (the file watcher,
one log follower per container, the signal handler). Status lines go to
stderr through devparity.ui; the app's output goes to stdout. The engine is
reached only through the DevEngine it is given (devparity.dev.seam).

- A source change reloads the app: USR1 to the supervisor, which restarts
  the app process (or signals it), never the container.
- A change to a dependency file or devparity.toml rebuilds the image in the
  background and recreates the containers; a failed rebuild leaves the old
  ones serving.
- An app exit is reported with its code and last lines; the next change
  starts it again, paced by a backoff in a crash loop.
- An engine outage (dockerd restarted or killed) is reported in one line;
  the session waits for the engine (devparity.dev.outage) and recreates what
  the restart stopped, or ends with exit 3 when it stays away.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devparity import builder, ui
from devparity.dev import outage
from devparity.dev.applog import Backoff, LogEvent, LogFollower
from devparity.dev.rebuild import Stopped, apply_rebuild, rebuild
from devparity.dev.seam import REMOVE_WAIT, DevEngine
from devparity.dev.watch import Batch, Watcher
from devparity.errors import EXIT_OK, DevparityError, EngineUnavailable
from devparity.project import Project
from devparity.roles import DEV, ContainerSpec, spec_for

SpecFor = Callable[[str, Project, builder.ImageResult], ContainerSpec]
Rebuild = Callable[[Project, threading.Event], tuple[Project, builder.ImageResult]]


@dataclass
class Running:
    spec: ContainerSpec
    cid: str
    follower: LogFollower
    app_alive: bool = True
    started_at: float | None = None  # monotonic time of the app's last start
    gone: bool = False  # the container stopped or vanished: recreate on the next change


class Session:
    def __init__(
        self,
        project: Project,
        result: builder.ImageResult,
        *,
        stop: threading.Event,
        engine: DevEngine,
        spec_for: SpecFor = spec_for,
        rebuild: Rebuild = rebuild,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.project = project
        self.result = result
        self.spec_for = spec_for
        self.stop = stop
        self.engine = engine
        self.rebuild = rebuild
        self.clock = clock
        self.events: queue.Queue[LogEvent | Batch] = queue.Queue()
        self.running: dict[str, Running] = {}
        self.prefix = False  # prefix app lines with the role (when several run)
        self.watcher: Watcher | None = None
        self.reloads = 0
        self.pending: tuple[int, float] | None = None  # reload number, when its batch came in
        self.backoff = Backoff()
        self.retry_at: float | None = None  # a restart deferred by the backoff
        self.health = outage.HealthCheck(now=clock())
        self.code = EXIT_OK

    # -- containers -------------------------------------------------------

    def start(self, roles: tuple[str, ...]) -> None:
        self.prefix = len(roles) > 1
        for role in roles:
            self._run(self.spec_for(role, self.project, self.result))

    def _run(self, spec: ContainerSpec) -> None:
        cid = self.engine.run(spec)
        prefix = f"{spec.role} | " if self.prefix else ""
        follower = LogFollower(spec.role, cid, self.events.put, self.engine, prefix=prefix)
        self.running[spec.role] = Running(spec, cid, follower, started_at=self.clock())
        follower.start()

    def replace(self, spec: ContainerSpec) -> None:
        old = self.running.pop(spec.role, None)
        if old:
            old.follower.close()
            self.engine.remove(old.cid)
        self._run(spec)

    def follow_again(self, r: Running) -> None:
        r.follower.close()
        r.follower = LogFollower(r.spec.role, r.cid, self.events.put, self.engine, prefix=r.follower.prefix)
        r.follower.start(tail=0)

    def teardown(self) -> list[str]:
        """Stop watching; stop and remove every container this session started
        (in parallel: each takes ~0.1-0.2 s with the init process)."""
        if self.watcher:
            self.watcher.stop()
        removers = []
        removed: set[str] = set()
        for r in self.running.values():
            r.follower.close()
            args = (self.engine, r.spec.name, r.cid, removed)
            t = threading.Thread(target=_remove_quietly, args=args, daemon=True)
            t.start()
            removers.append(t)
        for t in removers:
            t.join(REMOVE_WAIT)
        names = [r.spec.name for r in self.running.values() if r.spec.name in removed]
        self.running.clear()
        return names

    # -- the loop ------------------------------------------------------------

    def watch(self) -> float:
        c = self.project.config
        self.watcher = Watcher(
            c.root, on_batch=self.events.put, ignore=c.dev_ignore, dep_files=c.dep_files, debounce_ms=c.debounce_ms
        )
        return self.watcher.start()

    def loop(self) -> int:
        """Handle events until stopped; returns the exit code."""
        while not self.stop.is_set():
            try:
                event: LogEvent | Batch | None = self.events.get(timeout=0.1)
            except queue.Empty:
                event = None
            if not self.step(event):
                break
        return self.code

    def step(self, event: LogEvent | Batch | None) -> bool:
        """Handle one event (None: an idle tick); False once the session must end."""
        try:
            if event is None:
                self._idle(self.clock())
            elif isinstance(event, Batch):
                self._on_batch(event)
            else:
                self._on_log(event)
        except Stopped:
            return False
        except EngineUnavailable:
            outage.ride_out(self)
        except DevparityError as exc:  # the engine refused something: say so, keep going
            ui.error(str(exc))
        return True

    def _idle(self, now: float) -> None:
        if self.retry_at is not None and now >= self.retry_at:
            self.retry_at = None
            self.reload(now)
        if self.running and self.health.due(now) and not self.engine.answers():
            raise EngineUnavailable("the engine stopped answering")

    def _on_batch(self, batch: Batch) -> None:
        shown = ", ".join(batch.paths[:3]) + (f" (+{len(batch.paths) - 3})" if len(batch.paths) > 3 else "")
        if batch.kind == "rebuild":
            ui.info(ui.style(f"↻ {shown} changed: rebuilding the image", "blue"))
            apply_rebuild(self)
            return
        dev = self.running.get(DEV)
        if dev is None or dev.gone:
            ui.info(ui.style(f"↻ {shown} changed: starting the dev container again", "blue"))
            self.replace(self.spec_for(DEV, self.project, self.result))
            return
        self.reload(batch.at)

    def reload(self, at: float) -> None:
        dev = self.running.get(DEV)
        if dev is None or (dev.app_alive and self.project.config.reload == "none"):
            return  # reload = "none": the app reloads itself
        if not dev.app_alive:
            wait = self.backoff.delay(self.clock())
            if wait > 0:
                if self.retry_at is None:
                    ui.warn(f"crash loop: starting the app again in {wait:.1f}s")
                self.retry_at = self.clock() + wait
                return
        self.reloads += 1
        self.pending = (self.reloads, at)
        self.engine.signal(dev.cid, "SIGUSR1")

    def _on_log(self, event: LogEvent) -> None:
        r = self.running.get(event.role)
        if r is None or r.cid != event.cid:
            return  # from a container this session has replaced
        now = self.clock()
        if event.kind == "started":
            was_alive, r.app_alive, r.started_at = r.app_alive, True, now
            if self.pending:
                n, at = self.pending
                self.pending = None
                what = "reload" if was_alive else "restart after the crash,"
                ui.ok(f"{what} #{n} in {(now - at) * 1000:.0f} ms")
        elif event.kind == "signalled" and self.pending:
            n, at = self.pending
            self.pending = None
            ui.ok(f"reload #{n}: sent SIG{event.value} in {(now - at) * 1000:.0f} ms")
        elif event.kind == "exited":
            r.app_alive = False
            self.pending = None
            self.backoff.crashed(now, r.started_at)
            ui.error(f"crash: the {r.spec.role} app exited with code {event.value}; waiting for a change to start it again")
            for line in r.follower.last_lines():
                ui.progress(line)
        elif event.kind == "ended":
            outage.on_ended(self, r)

def _remove_quietly(engine: DevEngine, name: str, cid: str, removed: set[str]) -> None:
    """Teardown runs on threads: an engine error becomes one warning line
    (with the command that finishes the job), never a thread traceback.
    Adds ``name`` to ``removed`` when it went."""
    try:
        engine.remove(cid)
    except EngineUnavailable:
        where = engine.address()
        ui.warn(f"could not remove {name}: the Docker engine at {where} does not answer (run `devparity down` once it is back)")
        return
    except DevparityError as exc:
        ui.warn(f"could not remove {name}: {exc} (run `devparity down`)")
        return
    removed.add(name)
