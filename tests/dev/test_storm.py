"""The reload storm (devparity.dev.storm) alone and in the watching `up`
loop against the fake engine of test_session: a path that changes right
after every restart stops reloading after three rounds, with one line
naming the [dev].ignore fix, while other edits still reload; this
session's own output file never reloads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity.dev import storm
from devparity.dev.applog import LogEvent
from devparity.dev.session import Session
from devparity.dev.watch import Batch
from devparity.roles import DEV
from tests.dev.test_session import Clock, FakeEngine, _project, _result, _spec


@pytest.fixture
def fake() -> Iterator[FakeEngine]:
    engine = FakeEngine()
    yield engine
    for stream in engine.streams.values():
        stream.close()


def session(fake: FakeEngine, clock: Clock, ignore: tuple[str, ...] = ()) -> Session:
    project = _project()
    project.config.dev_ignore = ignore  # type: ignore[misc]
    s = Session(project, _result(), spec_for=_spec, stop=threading.Event(), engine=fake, clock=clock)
    s.start((DEV,))
    return s


def batch(s: Session, clock: Clock, *paths: str) -> None:
    assert s.step(Batch("source", paths, clock.now))


def started(s: Session, clock: Clock, after: float = 0.2) -> None:
    clock.now += after
    assert s.step(LogEvent("started", DEV, s.running[DEV].cid, "1"))


def test_a_path_written_after_every_restart_stops_reloading_after_three(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    s = session(fake, clock, ignore=("tmp",))
    for _ in range(10):  # the app writes app.log as it starts; each write is a batch
        batch(s, clock, "app.log")
        started(s, clock)
        clock.now += 0.1
    assert s.reloads == 3
    err = capsys.readouterr().err
    assert err.count("reload loop") == 1
    assert 'app.log changed right after each of the last 3 restarts' in err
    assert 'ignore = ["tmp", "app.log"]' in err
    batch(s, clock, "app.py")  # a real edit still reloads
    assert s.reloads == 4


def test_edits_at_a_persons_pace_never_count_as_a_loop(fake: FakeEngine, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    s = session(fake, clock)
    for _ in range(6):
        batch(s, clock, "app.py")
        started(s, clock)
        clock.now += 5  # the next save comes seconds after the restart
    assert s.reloads == 6
    assert "reload loop" not in capsys.readouterr().err


def test_saves_half_a_second_apart_never_count_as_a_loop(fake: FakeEngine, capsys: pytest.CaptureFixture[str]) -> None:
    """Save, see the reload, save again: benchmarks/reload.py's pace (and an
    editor's autosave) is not the app writing a file as it starts."""
    clock = Clock()
    s = session(fake, clock)
    for _ in range(8):
        batch(s, clock, "app.py")
        started(s, clock, after=0.05)
        clock.now += 0.45
    assert s.reloads == 8
    assert "reload loop" not in capsys.readouterr().err


def test_a_restart_with_no_change_after_it_breaks_the_chain(fake: FakeEngine) -> None:
    clock = Clock()
    s = session(fake, clock)
    for gap in (0.1, 0.1, 3.0, 0.1, 0.1):  # the third restart is followed by nothing soon
        batch(s, clock, "app.log")
        started(s, clock)
        clock.now += gap
    assert s.reloads == 5


def test_the_sessions_own_output_file_never_reloads(fake: FakeEngine, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    s = session(fake, clock)
    (tmp_path / "up.log").write_text("")
    s.project.config.root = tmp_path  # type: ignore[misc]
    s.watcher = None
    s.muted |= storm.own_outputs(str(tmp_path), [str(tmp_path / "up.log"), "/dev/pts/3", "pipe:[123]"])
    batch(s, clock, "up.log")
    assert s.reloads == 0
    batch(s, clock, "up.log", "app.py")
    assert s.reloads == 1


def test_watch_mutes_a_redirect_target_under_the_root(fake: FakeEngine, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    s = session(fake, clock)
    (tmp_path / "up.log").write_text("")
    s.project.config.root = tmp_path  # type: ignore[misc]
    for name, value in (("dep_files", ()), ("debounce_ms", 50)):
        setattr(s.project.config, name, value)
    s.project.config.dev_ignore = ()  # type: ignore[misc]
    s.watch(outputs=[str(tmp_path / "up.log"), "/elsewhere/out.txt"])
    try:
        assert s.muted == {"up.log"}
        assert "not reloading for up.log" in capsys.readouterr().err
    finally:
        assert s.watcher is not None
        s.watcher.stop()


def test_storm_unit_window_and_rounds() -> None:
    st = storm.Storm(rounds=2, window=0.5)
    assert st.looping(["a"], 0.0) == set()  # no restart yet
    st.restarted(1, 1.0)
    st.restarted(1, 1.1)  # a second container settling the same reload
    assert st.looping(["a", "b"], 1.2) == set()
    st.restarted(2, 2.0)
    assert st.looping(["a"], 2.9) == set()  # outside the window
    assert st.looping(["a"], 2.3) == {"a"}


def test_ignore_line_keeps_the_current_list_and_quotes() -> None:
    assert storm.ignore_line(["tmp"], {"logs/a b.log", "tmp"}) == 'ignore = ["tmp", "logs/a b.log"]'
    assert storm.ignore_line([], {'we"ird'}) == 'ignore = ["we\\"ird"]'


def test_output_targets_reads_this_process_fds() -> None:
    found: Any = storm.output_targets()
    assert isinstance(found, list) and all(isinstance(x, str) for x in found)
