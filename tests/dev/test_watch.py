"""The host-side watcher: filter, classification, debounce timing, and a real
watch of a temp directory (inotify; no engine)."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from pathlib import Path

import pytest

from devparity.dev import watch
from devparity.dev.watch import Batch, SourceFilter, Watcher, watched_dirs


@pytest.mark.parametrize(
    "rel",
    [
        ".git/index",
        "node_modules/left-pad/index.js",
        "src/__pycache__/app.cpython-311.pyc",
        ".venv/lib/site.py",
        "app.pyc",
        ".app.py.swp",
        "app.py~",
        ".#app.py",
        "4913",  # vim's write test file
    ],
)
def test_filter_ignores_noise(tmp_path: Path, rel: str) -> None:
    assert not SourceFilter(tmp_path)(2, str(tmp_path / rel))


@pytest.mark.parametrize("rel", ["app.py", "src/pkg/views.py", "templates/index.html", "package.json"])
def test_filter_keeps_source(tmp_path: Path, rel: str) -> None:
    assert SourceFilter(tmp_path)(2, str(tmp_path / rel))


def test_filter_judges_paths_relative_to_the_root(tmp_path: Path) -> None:
    root = tmp_path / "node_modules" / "project"  # the root itself sits under an ignored name
    assert SourceFilter(root)(2, str(root / "app.py"))


def test_filter_applies_dev_ignore(tmp_path: Path) -> None:
    f = SourceFilter(tmp_path, ["*.log", "uploads/", "data/raw", "**/*.sqlite"])
    assert not f(2, str(tmp_path / "server.log"))
    assert not f(2, str(tmp_path / "uploads" / "a.png"))
    assert not f(2, str(tmp_path / "data" / "raw" / "x.csv"))
    assert not f(2, str(tmp_path / "db" / "dev.sqlite"))
    assert f(2, str(tmp_path / "data" / "clean" / "x.csv"))
    assert f(2, str(tmp_path / "app.py"))


@pytest.mark.parametrize(
    ("rel", "pattern", "hit"),
    [
        ("a/b/c.txt", "b", True),
        ("a/b/c.txt", "c.txt", True),
        ("a/b/c.txt", "a/b", True),
        ("a/b/c.txt", "/a/b/", True),
        ("a/b/c.txt", "b/c.txt", False),  # a slash anchors at the root
        ("docs/x.md", "docs/*.md", True),
        ("x.md", "docs/*.md", False),
        ("a.log", "**/*.log", True),
        ("a.py", "", False),
    ],
)
def test_matches(rel: str, pattern: str, hit: bool) -> None:
    assert watch.matches(rel, pattern) is hit


def test_classify() -> None:
    deps = ["requirements.txt", "./constraints.txt"]
    assert watch.classify(["app.py"], deps) == "source"
    assert watch.classify(["app.py", "requirements.txt"], deps) == "rebuild"
    assert watch.classify(["constraints.txt"], deps) == "rebuild"
    assert watch.classify(["devparity.toml"], []) == "rebuild"
    assert watch.classify(["devparity.lock"], []) == "rebuild"
    assert watch.classify(["sub/requirements.txt"], deps) == "source"


def test_timing_keeps_the_wait_near_the_configured_window() -> None:
    assert watch.timing(50) == (25, 1600)
    assert watch.timing(0) == (5, 1600)
    assert watch.timing(1000) == (500, 4000)


def _collect(root: Path, **kw: object) -> tuple[Watcher, queue.Queue[Batch]]:
    got: queue.Queue[Batch] = queue.Queue()
    w = Watcher(root, on_batch=got.put, **kw)  # type: ignore[arg-type]
    w.start()
    return w, got


def test_watcher_reports_batches(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "node_modules").mkdir()
    w, got = _collect(tmp_path, dep_files=["requirements.txt"], debounce_ms=20)
    try:
        (tmp_path / "node_modules" / "x.js").write_text("ignored")
        (tmp_path / "app.py").write_text("print(1)\n")
        batch = got.get(timeout=5)
        assert batch.kind == "source"
        assert batch.paths == ("app.py",)
        (tmp_path / "requirements.txt").write_text("flask\n")
        batch = got.get(timeout=5)
        assert batch.kind == "rebuild" and "requirements.txt" in batch.paths
        (tmp_path / "node_modules" / "y.js").write_text("ignored")
        with pytest.raises(queue.Empty):
            got.get(timeout=0.3)
    finally:
        w.stop()
        assert w._thread is not None and not w._thread.is_alive()


def test_watcher_with_a_short_debounce_reports_a_save(tmp_path: Path) -> None:
    # Reload latency is measured by benchmarks/reload.py, not asserted here.
    w, got = _collect(tmp_path, debounce_ms=20)
    try:
        (tmp_path / "a.py").write_text("x = 1\n")
        batch = got.get(timeout=5)
        assert batch.kind == "source" and batch.paths == ("a.py",)
    finally:
        w.stop()


def test_watcher_configure_changes_rules(tmp_path: Path) -> None:
    w, got = _collect(tmp_path, debounce_ms=10)
    try:
        w.configure(ignore=["*.tmpl"], dep_files=["deps.txt"])
        (tmp_path / "x.tmpl").write_text("ignored now")
        (tmp_path / "deps.txt").write_text("a")
        batch = got.get(timeout=5)
        assert batch.paths == ("deps.txt",) and batch.kind == "rebuild"
    finally:
        w.stop()


def test_watcher_missing_root_is_a_user_error(tmp_path: Path) -> None:
    from devparity.errors import UsageError

    w = Watcher(tmp_path / "gone", on_batch=lambda b: None)
    with pytest.raises(UsageError, match="cannot watch"):
        w.start()


def test_stop_on_signals_sets_the_event_then_interrupts() -> None:
    stop = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    with watch.stop_on_signals(stop):
        signal.raise_signal(signal.SIGTERM)
        assert stop.is_set()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is before


def _inotify_watches() -> int:
    """inotify watches held by this process (the watcher runs in-process)."""
    total = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/self/fdinfo/{fd}") as info:
                total += sum(1 for line in info if line.startswith("inotify wd:"))
        except OSError:  # closed meanwhile
            continue
    return total


def test_ignored_trees_cost_no_inotify_watch(tmp_path: Path) -> None:
    for i in range(300):
        (tmp_path / "node_modules" / f"pkg{i}" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "api").mkdir(parents=True)
    (tmp_path / "logs" / "old").mkdir(parents=True)
    assert watched_dirs(tmp_path, SourceFilter(tmp_path, ["logs/"])) == [
        str(tmp_path), str(tmp_path / "src"), str(tmp_path / "src" / "api")
    ]
    before = _inotify_watches()
    w, got = _collect(tmp_path, ignore=["logs/"], debounce_ms=20)
    try:
        assert _inotify_watches() - before == 3  # root, src, src/api: not 600 node_modules dirs
        (tmp_path / "src" / "api" / "views.py").write_text("x = 1\n")
        assert got.get(timeout=5).paths == ("src/api/views.py",)
    finally:
        w.stop()


def test_a_directory_made_after_start_is_watched(tmp_path: Path) -> None:
    w, got = _collect(tmp_path, debounce_ms=20)
    try:
        (tmp_path / "pkg" / "sub").mkdir(parents=True)
        first = got.get(timeout=5)
        assert "pkg" in first.paths
        deadline = time.monotonic() + 5
        seen: set[str] = set()
        while "pkg/sub/new.py" not in seen and time.monotonic() < deadline:
            # the re-watch happens as the batch above is handled; write until it lands
            (tmp_path / "pkg" / "sub" / "new.py").write_text("y = 2\n")
            try:
                seen |= set(got.get(timeout=0.5).paths)
            except queue.Empty:
                pass
        assert "pkg/sub/new.py" in seen
    finally:
        w.stop()
