"""The watching `up` loop (devparity.dev.session) against a fake engine: crash
backoff, pending reloads, the grace period after a container's log ends, a
failed rebuild, and an engine outage. Events are fed to ``Session.step`` one
at a time; the real engine's side is proven in tests/integration/test_up.py
and tests/integration/faults."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from devparity import builder
from devparity.config_services import Process
from devparity.dev import outage
from devparity.dev.applog import LogEvent
from devparity.dev.seam import State
from devparity.dev.session import Session
from devparity.dev.watch import Batch
from devparity.errors import EXIT_APP_ENDED, EXIT_ENGINE, EXIT_OK, BuildFailed, EngineUnavailable
from devparity.project import Project
from devparity.roles import DEV, PROD, ContainerSpec


class FakeStream:
    """A followed log: lines pushed by the test until closed or ended."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.closed = False

    def __iter__(self) -> Iterator[str]:
        while (line := self.lines.get()) is not None:
            yield line

    def close(self) -> None:
        self.closed = True
        self.lines.put(None)


class FakeEngine:
    """Containers are ids in a dict; ``up`` False is an engine outage."""

    def __init__(self) -> None:
        self.up = True
        self.states: dict[str, State] = {}
        self.calls: list[tuple[str, ...]] = []
        self.follows: list[tuple[str, int | str]] = []
        self.streams: dict[str, FakeStream] = {}
        self.state_script: list[State | None] = []  # answers of state() before the dict's
        self.count = 0

    def _check(self) -> None:
        if not self.up:
            raise EngineUnavailable("no Docker engine answers at unix:///fake.sock")

    def run(self, spec: ContainerSpec) -> str:
        self._check()
        self.count += 1
        cid = f"{spec.role}-{self.count}"
        self.states[cid] = State(True, None)
        self.calls.append(("run", spec.role, cid))
        return cid

    def remove(self, cid: str) -> None:
        self._check()
        self.states.pop(cid, None)
        self.calls.append(("remove", cid))

    def state(self, cid: str) -> State | None:
        self._check()
        if self.state_script:
            return self.state_script.pop(0)
        return self.states.get(cid)

    def follow(self, cid: str, *, tail: int | str = "all") -> FakeStream:
        self._check()
        self.follows.append((cid, tail))
        self.streams[cid] = FakeStream()
        return self.streams[cid]

    def signal(self, cid: str, signal: str) -> None:
        self._check()
        self.calls.append(("signal", cid, signal))

    def answers(self, timeout: float | None = None) -> bool:
        return self.up

    def address(self) -> str:
        return "unix:///fake.sock"

    def signals(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "signal"]

    def runs(self) -> list[str]:
        return [c[2] for c in self.calls if c[0] == "run"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _spec(role: str, project: Project, result: builder.ImageResult) -> ContainerSpec:
    return ContainerSpec(
        name=f"demo-{role}",
        role=role,
        image=result.id,
        command=("app",),
        env={},
        user=None,
        mounts=(),
        ports=(),
        labels={},
        working_dir="/app",
    )


def _project(reload: str = "restart", procs: tuple[Process, ...] = ()) -> Project:
    config = SimpleNamespace(
        reload=reload, processes=procs, name="demo", root=Path("/srv/demo"), command=["app"], dev_command=["app"]
    )
    return cast(Project, SimpleNamespace(config=config, lock=None))


def _result(image: str = "sha256:" + "a" * 64, built: bool = False) -> builder.ImageResult:
    return cast(builder.ImageResult, SimpleNamespace(id=image, built=built))


@pytest.fixture
def fake() -> Iterator[FakeEngine]:
    engine = FakeEngine()
    yield engine
    for stream in engine.streams.values():  # end the followers' threads
        stream.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _session(fake: FakeEngine, clock: Clock, roles: tuple[str, ...] = (DEV,), **kw: Any) -> Session:
    s = Session(_project(), _result(), spec_for=_spec, stop=threading.Event(), engine=fake, clock=clock, **kw)
    s.start(roles)
    return s


def _save(s: Session, clock: Clock, kind: str = "source") -> None:
    assert s.step(Batch(kind, ("app.py",), clock.now))


def _log(s: Session, kind: str, value: str = "", role: str = DEV, cid: str | None = None) -> None:
    assert s.step(LogEvent(kind, role, cid or s.running[role].cid, value))


# -- reloads ----------------------------------------------------------------------


def test_a_save_signals_the_supervisor_and_the_start_resolves_it(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _session(fake, clock)
    _save(s, clock)
    assert fake.signals() == ["dev-1"]
    assert s.pending == (1, clock.now)
    clock.now += 0.25
    _log(s, "started", "42")
    assert s.pending is None
    assert "reload #1 in 250 ms" in capsys.readouterr().err


def test_a_save_during_a_restart_supersedes_the_pending_reload(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _session(fake, clock)
    _save(s, clock)
    clock.now += 0.1
    _save(s, clock)  # the app has not started again yet
    assert fake.signals() == ["dev-1", "dev-1"]
    assert s.pending == (2, clock.now)
    clock.now += 0.2
    _log(s, "started", "43")
    err = capsys.readouterr().err
    assert "reload #2 in 200 ms" in err and "#1" not in err
    _log(s, "started", "44")  # a later start without a save reports nothing
    assert "reload" not in capsys.readouterr().err


def test_reload_none_leaves_a_live_app_alone(fake: FakeEngine, clock: Clock) -> None:
    s = Session(
        _project(reload="none"), _result(), spec_for=_spec, stop=threading.Event(), engine=fake, clock=clock
    )
    s.start((DEV,))
    _save(s, clock)
    assert fake.signals() == []


def test_a_save_during_a_rebuild_reloads_the_new_container(fake: FakeEngine, clock: Clock) -> None:
    new = _result("sha256:" + "b" * 64, built=True)

    def rebuild(project: Project, stop: threading.Event) -> tuple[Project, builder.ImageResult]:
        clock.now += 5
        s.events.put(Batch("source", ("app.py",), clock.now))  # the watcher, while the build runs
        return project, new

    s = _session(fake, clock, rebuild=rebuild)
    old = s.running[DEV].cid
    _save(s, clock, "rebuild")
    new_cid = s.running[DEV].cid
    assert new_cid != old and ("remove", old) in fake.calls
    assert s.running[DEV].spec.image == new.id
    assert s.step(s.events.get_nowait())  # the save that came in during the build
    assert fake.signals() == [new_cid]


def test_a_rebuild_with_the_same_image_reloads_instead_of_recreating(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock, rebuild=lambda project, stop: (project, _result()))
    _save(s, clock, "rebuild")
    assert fake.runs() == ["dev-1"]
    assert fake.signals() == ["dev-1"]


def test_a_failed_rebuild_keeps_the_old_container(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    def rebuild(project: Project, stop: threading.Event) -> tuple[Project, builder.ImageResult]:
        raise BuildFailed("build failed at Step 6/16", log_tail=["ERROR: no such package"])

    s = _session(fake, clock, rebuild=rebuild)
    _save(s, clock, "rebuild")
    assert fake.runs() == ["dev-1"] and not any(c[0] == "remove" for c in fake.calls)
    assert s.running[DEV].cid == "dev-1" and s.project.config.reload == "restart"
    err = capsys.readouterr().err
    assert "old container keeps serving" in err and "no such package" in err


def test_events_from_a_replaced_container_are_ignored(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock, rebuild=lambda project, stop: (project, _result("sha256:" + "c" * 64)))
    _save(s, clock, "rebuild")
    _log(s, "exited", "1", cid="dev-1")  # the old container's last words
    assert s.running[DEV].app_alive


# -- crash backoff --------------------------------------------------------------------


def test_a_single_crash_restarts_on_the_next_save(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock)
    clock.now += 30
    _log(s, "exited", "1")
    assert not s.running[DEV].app_alive
    _save(s, clock)
    assert fake.signals() == ["dev-1"]


def test_a_crash_loop_defers_the_restart_until_the_backoff_passes(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _session(fake, clock)
    clock.now += 0.2
    _log(s, "exited", "1")  # crash 1, quick
    _save(s, clock)
    clock.now += 0.1
    _log(s, "started", "2")
    clock.now += 0.1
    _log(s, "exited", "1")  # crash 2, quick: the loop begins
    signals = len(fake.signals())
    _save(s, clock)
    _save(s, clock)  # a second save while waiting: one warning, no signal
    assert len(fake.signals()) == signals
    assert capsys.readouterr().err.count("crash loop: starting the app again in 0.5s") == 1
    assert s.retry_at == pytest.approx(clock.now + 0.5)
    s.step(None)  # idle tick before the wait is over
    assert len(fake.signals()) == signals
    clock.now += 0.6
    s.step(None)
    assert len(fake.signals()) == signals + 1 and s.retry_at is None


def test_an_exit_clears_the_pending_reload(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock)
    _save(s, clock)
    _log(s, "exited", "3")
    assert s.pending is None


# -- a container's log ends -------------------------------------------------------------


def test_a_container_removed_by_down_within_the_grace_period(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _session(fake, clock)
    fake.state_script = [State(False, 137), State(False, 137), None]  # stopped, then removed
    _log(s, "ended")
    assert DEV not in s.running and s.stop.is_set()
    assert "removed outside this session" in capsys.readouterr().err


def test_a_container_that_stays_stopped_is_recreated_on_the_next_save(
    fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(outage, "GRACE_POLL", 0.001)
    s = _session(fake, clock)
    fake.states["dev-1"] = State(False, 2)

    # the grace period passes while the loop polls
    monkeypatch.setattr(s.stop, "wait", lambda timeout=None: setattr(clock, "now", clock.now + 1))
    _log(s, "ended")
    assert s.running[DEV].gone and not s.stop.is_set()
    assert "demo-dev stopped (exit code 2)" in capsys.readouterr().err
    _save(s, clock)
    assert fake.runs() == ["dev-1", "dev-2"]


def test_a_container_restarted_behind_the_sessions_back_is_followed_again(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock)
    _log(s, "ended")  # still running per the engine
    assert fake.follows[-1] == ("dev-1", 0)
    assert s.running[DEV].cid == "dev-1"


def test_a_prod_only_session_ends_when_its_container_does(
    fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _session(fake, clock, roles=(PROD,))
    fake.states["prod-1"] = State(False, 1)
    monkeypatch.setattr(s.stop, "wait", lambda timeout=None: setattr(clock, "now", clock.now + 1))
    _log(s, "ended", role=PROD)
    assert s.stop.is_set() and s.code == EXIT_APP_ENDED


# -- engine outage -----------------------------------------------------------------------


def test_an_outage_waits_for_the_engine_and_recreates_the_containers(
    fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(outage, "POLL", 0.01)
    s = _session(fake, clock)
    fake.up = False
    threading.Timer(0.1, lambda: setattr(fake, "up", True)).start()
    fake.states.clear()  # the restart removed the container
    _log(s, "ended")
    assert s.running[DEV].cid == "dev-2" and s.code == EXIT_OK and not s.stop.is_set()
    err = capsys.readouterr().err
    assert "stopped answering" in err and "is back after" in err and "demo-dev started again" in err


def test_a_live_restore_engine_keeps_the_container(fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outage, "POLL", 0.01)
    s = _session(fake, clock)
    fake.up = False
    threading.Timer(0.05, lambda: setattr(fake, "up", True)).start()
    _log(s, "ended")
    assert fake.runs() == ["dev-1"] and fake.follows[-1] == ("dev-1", 0)


def test_an_engine_that_stays_away_ends_the_session_with_exit_3(
    fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(outage, "POLL", 0.01)
    monkeypatch.setenv("DEVPARITY_ENGINE_WAIT", "0.05")
    s = _session(fake, clock)
    fake.up = False
    _save(s, clock)  # the signal fails: the engine is gone
    assert s.code == EXIT_ENGINE and s.stop.is_set()
    assert "did not come back" in capsys.readouterr().err


def test_the_idle_health_check_notices_an_outage(fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVPARITY_ENGINE_WAIT", "0")
    s = _session(fake, clock)
    fake.up = False
    s.step(None)
    assert not s.stop.is_set()  # not due yet
    clock.now += outage.PING_EVERY + 0.1
    s.step(None)
    assert s.code == EXIT_ENGINE


# -- the log follower ------------------------------------------------------------------


def test_the_follower_turns_markers_into_typed_events(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock)
    stream = fake.streams["dev-1"]
    stream.lines.put("[devparity] app started (pid 7)")
    stream.lines.put(None)  # the container's log ends
    assert s.events.get(timeout=5) == LogEvent("started", DEV, "dev-1", "7")
    assert s.events.get(timeout=5) == LogEvent("ended", DEV, "dev-1")


def test_teardown_removes_what_the_session_started(fake: FakeEngine, clock: Clock) -> None:
    s = _session(fake, clock, roles=(DEV, PROD))
    assert sorted(s.teardown()) == ["demo-dev", "demo-prod"]
    assert fake.states == {} and s.running == {}
    assert all(stream.closed for stream in fake.streams.values())


# -- processes (issue 8): the app's other containers, keyed by role and component ---------

WORKER = Process("worker", ("python", "worker.py"))


def _with_worker(fake: FakeEngine, clock: Clock, roles: tuple[str, ...] = (DEV,), **kw: Any) -> Session:
    s = Session(
        _project(procs=(WORKER,)), _result(), spec_for=_spec, stop=threading.Event(), engine=fake, clock=clock, **kw
    )
    s.start(roles)
    return s


def _next_event(s: Session) -> None:
    """Handle what a follower thread reports next."""
    assert s.step(s.events.get(timeout=5))


def test_dev_runs_the_app_and_each_process(fake: FakeEngine, clock: Clock) -> None:
    s = _with_worker(fake, clock)
    assert sorted(s.running) == ["dev", "dev/worker"]
    worker = s.running["dev/worker"].spec
    assert worker.command[-2:] == ("python", "worker.py") and worker.ports == ()
    assert worker.labels == {"devparity.kind": "process", "devparity.component": "worker"}
    assert worker.name.startswith("demo-dev-worker-")
    # several run: each line says whose it is
    assert s.running["dev/worker"].follower.prefix == "dev/worker | "
    assert s.running[DEV].follower.prefix == "dev | "


def test_a_save_reloads_every_dev_container(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _with_worker(fake, clock)
    app, worker = s.running[DEV].cid, s.running["dev/worker"].cid
    _save(s, clock)
    assert sorted(fake.signals()) == sorted([app, worker])
    clock.now += 0.1
    _log(s, "started", "7", role="dev/worker")
    assert s.pending == (1, clock.now - 0.1)  # the app has not started yet
    clock.now += 0.1
    _log(s, "started", "8")
    assert s.pending is None
    err = capsys.readouterr().err
    assert "reload #1 in 100 ms (dev/worker)" in err and "reload #1 in 200 ms (dev)" in err


def test_a_process_crash_is_reported_with_its_name_and_last_line(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _with_worker(fake, clock)
    stream = fake.streams[s.running["dev/worker"].cid]
    stream.lines.put("ValueError: no queue")
    stream.lines.put("[devparity] app exited with code 1")
    _next_event(s)
    assert not s.running["dev/worker"].app_alive and s.running[DEV].app_alive
    assert "crash: worker exited 1: ValueError: no queue; waiting for a change" in capsys.readouterr().err


def test_backoff_is_per_container(fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    s = _with_worker(fake, clock)
    worker = s.running["dev/worker"]
    for _ in range(2):  # two quick crashes: the worker's crash loop begins
        clock.now += 0.1
        _log(s, "exited", "1", role="dev/worker")
        _save(s, clock)
        clock.now += 0.1
        _log(s, "started", "9", role="dev/worker")
    clock.now += 0.1
    _log(s, "exited", "1", role="dev/worker")
    before = len(fake.signals())
    _save(s, clock)
    # the app reloads at once; the worker waits for its backoff
    assert fake.signals()[before:] == [s.running[DEV].cid]
    assert worker.retry_at is not None and s.running[DEV].retry_at is None
    assert "crash loop: starting worker again in" in capsys.readouterr().err
    clock.now = worker.retry_at + 0.01
    s.step(None)
    assert fake.signals()[-1] == worker.cid and s.retry_at is None


def test_a_rebuild_recreates_the_app_and_its_processes(fake: FakeEngine, clock: Clock) -> None:
    s = _with_worker(fake, clock, rebuild=lambda project, stop: (project, _result("sha256:" + "d" * 64)))
    old = {k: r.cid for k, r in s.running.items()}
    _save(s, clock, "rebuild")
    assert sorted(s.running) == ["dev", "dev/worker"]
    assert all(s.running[k].cid != cid and ("remove", cid) in fake.calls for k, cid in old.items())
    assert {r.spec.image for r in s.running.values()} == {"sha256:" + "d" * 64}


def test_a_rebuild_follows_processes_added_and_dropped_in_the_config(fake: FakeEngine, clock: Clock) -> None:
    beat = Process("beat", "python beat.py")
    s = _with_worker(fake, clock, rebuild=lambda project, stop: (_project(procs=(beat,)), _result()))
    worker = s.running["dev/worker"].cid
    _save(s, clock, "rebuild")
    assert sorted(s.running) == ["dev", "dev/beat"]
    assert ("remove", worker) in fake.calls
    assert s.running["dev/beat"].spec.command[-3:] == ("/bin/sh", "-c", "python beat.py")


def test_a_process_removed_outside_the_session_starts_again_on_a_save(
    fake: FakeEngine, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _with_worker(fake, clock)
    fake.state_script = [None]  # `docker rm -f` of the worker
    _log(s, "ended", role="dev/worker")
    assert "dev/worker" not in s.running and not s.stop.is_set()
    _save(s, clock)
    assert "dev/worker" in s.running and "starting dev/worker again" in capsys.readouterr().err


def test_a_prod_process_end_is_reported_and_the_prod_app_keeps_serving(
    fake: FakeEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = _with_worker(fake, clock, roles=(PROD,))
    cid = s.running["prod/worker"].cid
    fake.states[cid] = State(False, 1)
    fake.streams[cid].lines.put("KeyError: 'job'")
    fake.streams[cid].lines.put(None)
    monkeypatch.setattr(s.stop, "wait", lambda timeout=None: setattr(clock, "now", clock.now + 1))
    _next_event(s)
    assert s.running["prod/worker"].gone and not s.stop.is_set()
    assert "prod/worker exited 1: KeyError: 'job'" in capsys.readouterr().err
    fake.states[s.running[PROD].cid] = State(False, 1)
    _log(s, "ended", role=PROD)
    assert s.stop.is_set() and s.code == EXIT_APP_ENDED


def test_teardown_removes_the_processes_too(fake: FakeEngine, clock: Clock) -> None:
    s = _with_worker(fake, clock, roles=(DEV, PROD))
    assert len(s.teardown()) == 4 and fake.states == {}
