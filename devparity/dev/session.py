"""The foreground ``devparity up``: one loop that owns the containers it
started and reacts to events from three kinds of threads (the file watcher,
one log follower per container, the signal handler). Status lines go to
stderr through devparity.ui; the app's output goes to stdout. The engine is
reached only through the DevEngine it is given (devparity.dev.seam).

- It runs the app and each of its processes (``[processes.NAME]``, issue
  8) per role, keyed by role and component (``dev``, ``dev/worker``); with
  several, output lines are prefixed with that key.
- A source change reloads every dev container: USR1 to each supervisor,
  which restarts the process (or signals it), never the container.
- A change to a dependency file or devparity.toml rebuilds the image in the
  background and recreates the containers; a failed rebuild leaves the old
  ones serving.
- An app exit is reported with its code and last lines (a process's with
  its name: ``worker exited 1: ...``); the next change starts it again,
  paced by a backoff of its own in a crash loop.
- An engine outage (dockerd restarted or killed) is reported in one line;
  the session waits for the engine (devparity.dev.outage) and recreates what
  the restart stopped, or ends with exit 3 when it stays away.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devparity import builder, identity, labels, processes, ui
from devparity.dev import outage, storm
from devparity.dev.applog import Backoff, LogEvent, LogFollower
from devparity.dev.rebuild import Stopped, apply_rebuild, rebuild
from devparity.dev.seam import REMOVE_WAIT, DevEngine
from devparity.dev.watch import Batch, Watcher
from devparity.errors import EXIT_OK, DevparityError, EngineUnavailable
from devparity.project import Project
from devparity.roles import DEV, Component, ContainerSpec, spec_for

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
    backoff: Backoff = field(default_factory=Backoff)  # each container's crash loop its own
    retry_at: float | None = None  # a restart deferred by the backoff

    @property
    def key(self) -> str:
        return self.follower.key

    @property
    def component(self) -> Component:
        return processes.component_of(self.spec)


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
        # keyed by (role, component) as one word: dev, dev/worker, prod, ...
        self.running: dict[str, Running] = {}
        self.roles: tuple[str, ...] = ()
        self.prefix = False  # prefix app lines with the key (when several run)
        self.watcher: Watcher | None = None
        self.reloads = 0
        self.pending: tuple[int, float] | None = None  # reload number, when its batch came in
        self.awaiting: set[str] = set()  # the containers that reload has signalled and not heard from
        self.health = outage.HealthCheck(now=clock())
        self.code = EXIT_OK
        self.storm = storm.Storm()
        self.muted: set[str] = set()  # paths that no longer reload: a loop, or this session's own output

    # -- containers -------------------------------------------------------

    def specs(self, role: str) -> dict[str, ContainerSpec]:
        """Every container of ``role`` for the current project and image: the
        app (``spec_for``) and its processes, by key."""
        app = self.spec_for(role, self.project, self.result)
        return {processes.key_of(s): s for s in processes.role_specs(self.project.config, app)}

    def spec_of(self, key: str) -> ContainerSpec | None:
        """The current spec of ``key``; None once the config no longer has it."""
        return self.specs(key.partition("/")[0]).get(key)

    @property
    def retry_at(self) -> float | None:
        """The first restart a backoff deferred, if any."""
        return min((r.retry_at for r in self.running.values() if r.retry_at is not None), default=None)

    def start(self, roles: tuple[str, ...]) -> None:
        self.roles = roles
        wanted = [spec for role in roles for spec in self.specs(role).values()]
        self.prefix = len(wanted) > 1
        for spec in wanted:
            self._run(spec)

    def _run(self, spec: ContainerSpec, backoff: Backoff | None = None) -> None:
        cid = self.engine.run(spec)
        key = processes.key_of(spec)
        prefix = f"{key} | " if self.prefix else ""
        follower = LogFollower(key, cid, self.events.put, self.engine, prefix=prefix)
        self.running[key] = Running(spec, cid, follower, started_at=self.clock(), backoff=backoff or Backoff())
        follower.start()

    def replace(self, spec: ContainerSpec) -> None:
        old = self.running.pop(processes.key_of(spec), None)
        if old:
            old.follower.close()
            self.engine.remove(old.cid)
        self._run(spec, old.backoff if old else None)

    def retire(self, key: str) -> None:
        """Stop and remove ``key``'s container: the config no longer has it."""
        old = self.running.pop(key)
        old.follower.close()
        self.engine.remove(old.cid)

    def follow_again(self, r: Running) -> None:
        r.follower.close()
        r.follower = LogFollower(r.key, r.cid, self.events.put, self.engine, prefix=r.follower.prefix)
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

    def watch(self, outputs: list[str] | None = None) -> float:
        """Start the watcher. ``outputs``: where this process's stdout and
        stderr go (default: read from /proc/self/fd); a file among them in
        the project changes with every line `up` prints, so it never reloads."""
        c = self.project.config
        own = storm.own_outputs(str(c.root), storm.output_targets() if outputs is None else outputs)
        if own:
            self.muted |= own
            shown = ", ".join(identity.printable(p) for p in sorted(own))
            ui.note(f"not reloading for {shown}: this session writes its output there")
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
        due = [r.key for r in self.running.values() if r.retry_at is not None and now >= r.retry_at]
        if due:
            for key in due:
                self.running[key].retry_at = None
            self.reload(now, only=set(due))
        if self.running and self.health.due(now) and not self.engine.answers():
            raise EngineUnavailable("the engine stopped answering")

    def _on_batch(self, batch: Batch) -> None:
        paths = [p for p in batch.paths if p not in self.muted]
        if batch.kind == "source":
            looping = self.storm.looping(paths, self.clock())
            if looping:
                self._mute(looping)
                paths = [p for p in paths if p not in looping]
        if not paths:
            return
        shown = ", ".join(paths[:3]) + (f" (+{len(paths) - 3})" if len(paths) > 3 else "")
        for r in list(self.running.values()):
            if r.spec.sync is not None and not r.gone:
                # [dev].source = sync (issue 9): the batch goes into each synced
                # container first, before a reload, and before a rebuild that may keep it
                self.engine.sync(r.cid, r.spec, batch.paths)
        if batch.kind == "rebuild":
            ui.info(ui.style(f"↻ {shown} changed: rebuilding the image", "blue"))
            apply_rebuild(self)
            return
        if DEV not in self.roles and DEV not in self.running:
            return
        # dev containers that stopped or were removed start again; the rest reload
        restart = [spec for key, spec in self.specs(DEV).items() if key not in self.running or self.running[key].gone]
        if restart:
            names = ", ".join(processes.key_of(s) for s in restart)
            ui.info(ui.style(f"↻ {shown} changed: starting {names} again", "blue"))
            for spec in restart:
                self.replace(spec)
        self.reload(batch.at, only={k for k, r in self.running.items() if r.spec.role == DEV} - {processes.key_of(s) for s in restart})

    def _mute(self, looping: set[str]) -> None:
        """Stop reloading for ``looping`` for the rest of the session, and
        say once which [dev].ignore line ends it."""
        self.muted |= looping
        shown = ", ".join(identity.printable(p) for p in sorted(looping))
        line = identity.printable(storm.ignore_line(self.project.config.dev_ignore, looping))
        ui.warn(
            f"reload loop: {shown} changed right after each of the last {self.storm.rounds} restarts; "
            f"no longer reloading for it in this session (add `{line}` under [dev] in devparity.toml)"
        )

    def reload(self, at: float, only: set[str] | None = None) -> None:
        """USR1 to each live dev container's supervisor (``only``: these
        keys); one that crashed restarts, unless its backoff defers it."""
        n: int | None = None
        for key, r in self.running.items():
            if r.spec.role != DEV or r.gone or (only is not None and key not in only):
                continue
            if r.app_alive and self.project.config.reload == "none":
                continue  # reload = "none": the app reloads itself
            if not r.app_alive:
                wait = r.backoff.delay(self.clock())
                if wait > 0:
                    if r.retry_at is None:
                        what = "the app" if r.component.kind == labels.APP else processes.who(r.component)
                        ui.warn(f"crash loop: starting {what} again in {wait:.1f}s")
                    r.retry_at = self.clock() + wait
                    continue
            if n is None:
                self.reloads += 1
                n = self.reloads
                self.pending, self.awaiting = (n, at), set()
            self.awaiting.add(key)
            self.engine.signal(r.cid, "SIGUSR1")

    def _settle(self, key: str) -> tuple[int, float] | None:
        """The pending reload ``key``'s event resolves, if it was signalled."""
        if self.pending is None or key not in self.awaiting:
            return None
        pending = self.pending
        self.awaiting.discard(key)
        if not self.awaiting:
            self.pending = None
        return pending

    def _on_log(self, event: LogEvent) -> None:
        r = self.running.get(event.key)
        if r is None or r.cid != event.cid:
            return  # from a container this session has replaced
        now = self.clock()
        # named when several reload at once: "reload #3 in 180 ms (worker)"
        tag = f" ({event.key})" if len(self.running) > 1 else ""
        if event.kind == "started":
            was_alive, r.app_alive, r.started_at = r.app_alive, True, now
            if pending := self._settle(event.key):
                n, at = pending
                self.storm.restarted(n, now)
                what = "reload" if was_alive else "restart after the crash,"
                ui.ok(f"{what} #{n} in {(now - at) * 1000:.0f} ms{tag}")
        elif event.kind == "signalled":
            if pending := self._settle(event.key):
                n, at = pending
                self.storm.restarted(n, now)
                ui.ok(f"reload #{n}: sent SIG{event.value} in {(now - at) * 1000:.0f} ms{tag}")
        elif event.kind == "exited":
            r.app_alive = False
            self._settle(event.key)
            r.backoff.crashed(now, r.started_at)
            wait = "waiting for a change to start it again"
            if r.component.kind == labels.APP:
                ui.error(f"crash: the {r.spec.role} app exited with code {event.value}; {wait}")
            else:
                last = r.follower.last_lines(1)
                said = f": {last[0]}" if last else ""
                ui.error(f"crash: {processes.who(r.component)} exited {event.value}{said}; {wait}")
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
