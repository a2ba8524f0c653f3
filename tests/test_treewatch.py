"""The tree watcher (devparity.treewatch, issue 10): it answers the source
hash of an unchanged tree, and after any change (in place with the size
and mtime kept, a new or removed file, a chmod, a new directory, a write
through another hard link) it answers nothing at once, with no wait for it
to notice: the next command walks. Real watchers (processes), small trees."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devparity import inputs, plan, treewatch
from devparity.engine import context

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="inotify")


def truth(root: Path) -> str:
    return inputs.source_hash(root, context.context_files(root), use_cache=False)


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "project"
    for rel in ("app.py", "lib/a.py", "lib/deep/b.py", "data.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"{rel}\n")
        t = time.time_ns() - 60 * 10**9  # not racy
        os.utime(root / rel, ns=(t, t))
    (root / ".dockerignore").write_text("*.log\n")
    if treewatch.filesystem(root) not in treewatch.LOCAL_FS:
        pytest.skip(f"{root} is on {treewatch.filesystem(root) or 'an unknown filesystem'}")
    yield root
    treewatch.stop(root, ())


def watched(root: Path, expected: str) -> None:
    """Start a watcher (as a large tree's walk does) and wait until it answers."""
    treewatch.start(root, (), expected, treewatch.MIN_FILES)
    deadline = time.monotonic() + 90  # a busy machine: the watcher is a new interpreter
    while time.monotonic() < deadline:
        if treewatch.ask(root, ()) == expected:
            return
        time.sleep(0.1)
    raise AssertionError("the watcher never answered")


def in_place_same_size_and_mtime(root: Path) -> None:
    path = root / "lib" / "a.py"
    st = os.stat(path)
    with path.open("r+b") as f:
        f.write(b"LIB")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


CHANGES: dict[str, Callable[[Path], None]] = {
    "in-place-same-size-and-mtime": in_place_same_size_and_mtime,
    "new-file": lambda r: (r / "lib" / "deep" / "new.py").write_text("x"),
    "removed-file": lambda r: (r / "data.txt").unlink(),
    "chmod": lambda r: os.chmod(r / "app.py", 0o755),
    "new-dir": lambda r: (r / "lib" / "fresh").mkdir(),
    "renamed": lambda r: (r / "app.py").rename(r / "main.py"),
    "dockerignore": lambda r: (r / ".dockerignore").write_text("*.log\ndata.txt\n"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_and_the_watcher_answers_nothing_at_once(tree: Path, change: str) -> None:
    before = truth(tree)
    watched(tree, before)
    CHANGES[change](tree)
    assert treewatch.ask(tree, ()) is None  # no sleep: the write is queued before it returns
    cfg = type("Cfg", (), {"root": tree, "build_include": ()})()
    p = plan.BuildPlan(cfg, None, None, "", "")  # type: ignore[arg-type]
    assert p.source_hash == truth(tree)
    if change != "new-dir":  # an empty directory is no file: the hash stays
        assert p.source_hash != before


def test_a_write_through_another_hard_link_is_seen(tree: Path) -> None:
    outside = tree.parent / "elsewhere"
    outside.mkdir()
    os.link(tree / "lib" / "a.py", outside / "a.py")
    watched(tree, truth(tree))
    with (outside / "a.py").open("r+b") as f:
        f.write(b"LIB")
    assert treewatch.ask(tree, ()) is None


def test_a_hash_that_is_not_the_trees_is_never_vouched_for(tree: Path) -> None:
    treewatch.start(tree, (), "sha256:" + "0" * 64, treewatch.MIN_FILES)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert treewatch.ask(tree, ()) is None
        time.sleep(0.2)


def test_the_watcher_ends_on_a_change(tree: Path) -> None:
    watched(tree, truth(tree))
    (tree / "app.py").write_text("changed\n")
    assert treewatch.ask(tree, ()) is None
    deadline = time.monotonic() + 30
    while subprocess.run(["pgrep", "-f", f"treewatch_daemon {tree} "], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "the watcher is still running"
        time.sleep(0.1)


def test_small_trees_other_filesystems_and_the_switch_start_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(os, "posix_spawn", lambda *a, **k: started.append(a))
    treewatch.start(tree, (), "sha256:x", treewatch.MIN_FILES - 1)
    monkeypatch.setattr(treewatch, "filesystem", lambda _p: "nfs4")
    treewatch.start(tree, (), "sha256:x", treewatch.MIN_FILES)
    monkeypatch.setattr(treewatch, "filesystem", lambda _p: "ext4")
    monkeypatch.setenv("DEVPARITY_TREEWATCH", "0")
    treewatch.start(tree, (), "sha256:x", treewatch.MIN_FILES)
    assert treewatch.ask(tree, ()) is None
    assert started == []
    monkeypatch.delenv("DEVPARITY_TREEWATCH")
    treewatch.start(tree, (), "sha256:x", treewatch.MIN_FILES)
    assert len(started) == 1


def test_the_filesystem_is_read_from_mountinfo() -> None:
    info = (
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "40 22 0:44 / /mnt/share rw - nfs4 srv:/export rw\n"
        "41 22 0:45 / /mnt/my\\040files rw - fuse.sshfs host: rw\n"
    )
    assert treewatch.filesystem(Path("/home/x"), info) == "ext4"
    assert treewatch.filesystem(Path("/mnt/share/p"), info) == "nfs4"
    assert treewatch.filesystem(Path("/mnt/my files/p"), info) == "fuse.sshfs"
    assert treewatch.filesystem(Path("/mnt/sharepoint"), info) == "ext4"


def test_the_plan_asks_the_watcher_before_walking(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(treewatch, "ask", lambda root, include: "sha256:from-the-watcher")

    def no_walk(*_a: object, **_k: object) -> list[str]:
        raise AssertionError("walked")

    monkeypatch.setattr(context, "context_files", no_walk)
    cfg = type("Cfg", (), {"root": tmp_path, "build_include": ()})()
    assert plan.BuildPlan(cfg, None, None, "", "").source_hash == "sha256:from-the-watcher"  # type: ignore[arg-type]
