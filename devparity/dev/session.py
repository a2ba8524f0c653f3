"""The foreground ``devparity up``: one loop that owns the containers it
started and reacts to events from three kinds of threads (the file watcher,
one log follower per container, the signal handler). Status lines go to
stderr through devparity.ui; the app's output goes to stdout.

- A source change reloads the app: USR1 to the supervisor, which restarts
  the app process (or signals it), never the container.
- A change to a dependency file or devparity.toml rebuilds the image in the
  background and recreates the containers; a failed rebuild leaves the old
  ones serving.
- An app exit is reported with its code and last lines; the next change
  starts it again, paced by a backoff in a crash loop.
- An engine outage (dockerd restarted or killed) is reported in one line;
  the session waits for the engine (devparity.outage) and recreates what
  the restart stopped, or ends with exit 3 when it stays away.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

from devparity import builder, engine, ui
from devparity.dev import outage
from devparity.dev.applog import Backoff, LogFollower
from devparity.engine import containers as engine_containers
from devparity.roles import DEV, ContainerSpec, spec_for
from devparity.errors import EXIT_ENGINE, BuildFailed, DevparityError, EngineUnavailable
from devparity.project import Project
from devparity.dev.rebuild import Stopped, rebuild
from devparity.dev.watch import Batch, Watcher

ENDED_GRACE = 2.5  # seconds a stopped container may take to be removed by `down`


@dataclass
class Running:
    spec: ContainerSpec
    cid: str
    follower: LogFollower
    app_alive: bool = True
    started_at: float | None = None  # monotonic time of the app's last start
    gone: bool = False  # the container stopped or vanished: recreate on the next change


class Session:
    def __init__(self, project: Project, result: builder.ImageResult, *, stop: threading.Event) -> None:
        self.project = project
        self.result = result
        self.stop = stop
        self.events: queue.Queue[tuple[str, str, str, str] | Batch] = queue.Queue()
        self.running: dict[str, Running] = {}
        self.prefix = False  # prefix app lines with the role (when several run)
        self.watcher: Watcher | None = None
        self.reloads = 0
        self.pending: tuple[int, float] | None = None  # reload number, when its batch came in
        self.backoff = Backoff()
        self.retry_at: float | None = None  # a restart deferred by the backoff
        self.health = outage.HealthCheck()
        self.code = 0

    # -- containers -------------------------------------------------------

    def start(self, roles: tuple[str, ...]) -> None:
        self.prefix = len(roles) > 1
        for role in roles:
            self._run(spec_for(role, self.project, self.result))

    def _run(self, spec: ContainerSpec) -> None:
        cid = engine_containers.run(spec)
        follower = LogFollower(spec.role, cid, self._event, prefix=f"{spec.role} | " if self.prefix else "")
        self.running[spec.role] = Running(spec, cid, follower, started_at=time.monotonic())
        follower.start()

    def _replace(self, spec: ContainerSpec) -> None:
        old = self.running.pop(spec.role, None)
        if old:
            old.follower.close()
            engine_containers.remove(old.cid)
        self._run(spec)

    def teardown(self) -> list[str]:
        """Stop watching; stop and remove every container this session started
        (in parallel: each takes ~0.1-0.2 s with the init process)."""
        if self.watcher:
            self.watcher.stop()
        removers = []
        removed: set[str] = set()
        for r in self.running.values():
            r.follower.close()
            t = threading.Thread(target=_remove_quietly, args=(r.spec.name, r.cid, removed), daemon=True)
            t.start()
            removers.append(t)
        for t in removers:
            t.join(engine_containers.STOP_TIMEOUT + 8)
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

    def _event(self, kind: str, role: str, cid: str, value: str) -> None:
        self.events.put((kind, role, cid, value))

    def loop(self) -> int:
        """Handle events until stopped; returns the exit code."""
        while not self.stop.is_set():
            try:
                try:
                    event = self.events.get(timeout=0.1)
                except queue.Empty:
                    self._idle(time.monotonic())
                    continue
                if isinstance(event, Batch):
                    self._on_batch(event)
                else:
                    self._on_marker(*event)
            except Stopped:
                break
            except EngineUnavailable:
                self._outage()
            except DevparityError as exc:  # the engine refused something: say so, keep going
                ui.error(str(exc))
        return self.code

    def _idle(self, now: float) -> None:
        if self.retry_at is not None and now >= self.retry_at:
            self.retry_at = None
            self._reload(now)
        if self.running and self.health.due(now) and not engine.answers():
            raise EngineUnavailable("the engine stopped answering")

    # -- engine outage ---------------------------------------------------------

    def _outage(self) -> None:
        """Report the outage once, wait for the engine, then bring every
        container back; without an engine within the limit, stop (exit 3)."""
        where, limit = engine.engine_address(), outage.wait_limit()
        for r in self.running.values():
            r.follower.close()
        self.pending = None
        ui.warn(f"the Docker engine at {where} stopped answering; waiting up to {limit:.0f}s for it (Ctrl-C to stop)")
        while True:
            started = time.monotonic()
            if not outage.wait_for_engine(self.stop, limit):
                if not self.stop.is_set():
                    ui.error(f"the Docker engine at {where} did not come back within {limit:.0f}s; stopping")
                    self.code = EXIT_ENGINE
                    self.stop.set()
                return
            ui.ok(f"the Docker engine at {where} is back after {time.monotonic() - started:.1f}s")
            try:
                self._recover()
                return
            except EngineUnavailable:  # gone again while recovering
                ui.warn(f"the Docker engine at {where} stopped answering again; waiting")

    def _recover(self) -> None:
        for role, r in list(self.running.items()):
            info = engine_containers.inspect(r.cid)
            if info and info.running:  # a live-restore engine kept it
                self._follow_again(r)
                continue
            # A restart stops (or removes) every container: start a fresh one.
            try:
                self._replace(spec_for(role, self.project, self.result))
            except EngineUnavailable:
                raise
            except DevparityError as exc:
                r.gone = True
                ui.error(f"{exc}; saving a file tries again")
                continue
            ui.ok(f"{r.spec.name} started again")

    def _follow_again(self, r: Running) -> None:
        r.follower.close()
        r.follower = LogFollower(r.spec.role, r.cid, self._event, prefix=r.follower.prefix)
        r.follower.start(tail=0)

    def _on_batch(self, batch: Batch) -> None:
        shown = ", ".join(batch.paths[:3]) + (f" (+{len(batch.paths) - 3})" if len(batch.paths) > 3 else "")
        if batch.kind == "rebuild":
            ui.info(ui.style(f"↻ {shown} changed: rebuilding the image", "blue"))
            self._rebuild()
            return
        dev = self.running.get(DEV)
        if dev is None or dev.gone:
            ui.info(ui.style(f"↻ {shown} changed: starting the dev container again", "blue"))
            self._replace(spec_for(DEV, self.project, self.result))
            return
        self._reload(batch.at)

    def _reload(self, at: float) -> None:
        dev = self.running.get(DEV)
        if dev is None or (dev.app_alive and self.project.config.reload == "none"):
            return  # reload = "none": the app reloads itself
        if not dev.app_alive:
            wait = self.backoff.delay(time.monotonic())
            if wait > 0:
                if self.retry_at is None:
                    ui.warn(f"crash loop: starting the app again in {wait:.1f}s")
                self.retry_at = time.monotonic() + wait
                return
        self.reloads += 1
        self.pending = (self.reloads, at)
        engine_containers.kill(dev.cid, "SIGUSR1")

    def _on_marker(self, kind: str, role: str, cid: str, value: str) -> None:
        r = self.running.get(role)
        if r is None or r.cid != cid:
            return  # from a container this session has replaced
        now = time.monotonic()
        if kind == "started":
            was_alive, r.app_alive, r.started_at = r.app_alive, True, now
            if self.pending:
                n, at = self.pending
                self.pending = None
                what = "reload" if was_alive else "restart after the crash,"
                ui.ok(f"{what} #{n} in {(now - at) * 1000:.0f} ms")
        elif kind == "signalled" and self.pending:
            n, at = self.pending
            self.pending = None
            ui.ok(f"reload #{n}: sent SIG{value} in {(now - at) * 1000:.0f} ms")
        elif kind == "exited":
            r.app_alive = False
            self.pending = None
            self.backoff.crashed(now, r.started_at)
            ui.error(f"crash: the {role} app exited with code {value}; waiting for a change to start it again")
            for line in r.follower.last_lines():
                ui.progress(line)
        elif kind == "ended":
            self._on_ended(r)

    def _on_ended(self, r: Running) -> None:
        # The log stream also ends when the engine goes away (restarted,
        # killed): that is an outage, not this container's end.
        if not engine.answers():
            raise EngineUnavailable("the engine stopped answering")
        # `devparity down` stops, then removes: give a stopped container a
        # moment to vanish before calling it a crash.
        info = engine_containers.inspect(r.cid)
        deadline = time.monotonic() + ENDED_GRACE
        while info and not info.running and time.monotonic() < deadline and not self.stop.is_set():
            time.sleep(0.1)
            info = engine_containers.inspect(r.cid)
        if info and info.running:  # restarted behind our back: follow it again
            self._follow_again(r)
            return
        if info is None:
            ui.warn(f"{r.spec.name} was removed outside this session (devparity down?)")
            del self.running[r.spec.role]
            if not self.running:
                self.stop.set()
            return
        code = info.exit_code
        r.gone = True
        ui.error(f"{r.spec.name} stopped (exit code {code})")
        for line in r.follower.last_lines():
            ui.progress(line)
        if r.spec.role == DEV:
            ui.note("it is started again on the next change")
        elif DEV not in self.running:  # a prod-only session has nothing left to run
            self.code = 1
            self.stop.set()

    # -- rebuild -------------------------------------------------------------

    def _rebuild(self) -> None:
        started = time.monotonic()
        try:
            project, result = rebuild(self.project, self.stop)
        except BuildFailed as exc:
            for line in exc.log_tail:
                ui.progress(line)
            ui.error(f"{exc}; the old container keeps serving; save again to retry")
            return
        except EngineUnavailable:  # an outage, not a failed build: the loop waits for the engine
            raise
        except DevparityError as exc:
            ui.error(f"{exc}; the old container keeps serving; save again to retry")
            return
        self.project, self.result = project, result
        if self.watcher:
            c = project.config
            self.watcher.configure(ignore=c.dev_ignore, dep_files=c.dep_files, debounce_ms=c.debounce_ms)
        short = result.id.removeprefix("sha256:")[:12]
        changed = []
        for role, r in list(self.running.items()):
            spec = spec_for(role, project, result)
            if spec != r.spec or r.gone:
                self._replace(spec)
                changed.append(role)
        how = f"built {short} in {time.monotonic() - started:.1f}s" if result.built else f"image {short} (cached)"
        if changed:
            ui.ok(f"rebuild: {how}; recreated {', '.join(changed)}")
        else:
            ui.ok(f"rebuild: {how}; containers unchanged")
            self._reload(started)


def _remove_quietly(name: str, cid: str, removed: set[str]) -> None:
    """Teardown runs on threads: an engine error becomes one warning line
    (with the command that finishes the job), never a thread traceback.
    Adds ``name`` to ``removed`` when it went."""
    try:
        engine_containers.remove(cid)
    except EngineUnavailable:
        where = engine.engine_address()
        ui.warn(f"could not remove {name}: the Docker engine at {where} does not answer (run `devparity down` once it is back)")
        return
    except DevparityError as exc:
        ui.warn(f"could not remove {name}: {exc} (run `devparity down`)")
        return
    removed.add(name)
