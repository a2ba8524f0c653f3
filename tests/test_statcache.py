"""The stat cache behind source hashing (devparity.statcache): a file whose
stat is unchanged is not read again; an edit, a new file, a removed file or
a mode change still changes the hash; a racy file is re-read (issue 10)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devparity import inputs, statcache


def _aged(path: Path, seconds: float = 60) -> None:
    """Make ``path`` look written ``seconds`` ago (not racy)."""
    t = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(t, t))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("a.py", "b.py", "sub/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
        _aged(tmp_path / name)
    return tmp_path


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = inputs._file_hash

    def counting(path: str) -> str:
        reads.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(inputs, "_file_hash", counting)
    return reads


FILES = ["a.py", "b.py", "sub", "sub/c.py"]


def test_unchanged_files_are_not_read_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    first = inputs.source_hash(project, FILES)
    assert sorted(reads) == ["a.py", "b.py", "c.py"]
    reads.clear()
    assert inputs.source_hash(project, FILES) == first
    assert reads == []
    assert inputs.source_hash(project, FILES, use_cache=False) == first


def test_edits_new_removed_and_mode_changes_change_the_hash(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    seen = {inputs.source_hash(project, FILES)}
    (project / "a.py").write_text("a.py edited")  # same stat but for size and mtime
    reads.clear()
    seen.add(inputs.source_hash(project, FILES))
    assert reads == ["a.py"]
    (project / "d.py").write_text("new")
    seen.add(inputs.source_hash(project, [*FILES, "d.py"]))
    (project / "b.py").unlink()
    seen.add(inputs.source_hash(project, FILES))
    os.chmod(project / "a.py", 0o755)
    seen.add(inputs.source_hash(project, FILES))
    assert len(seen) == 5


def test_same_size_edit_within_the_same_mtime_is_caught_when_racy(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written just now is not recorded: an edit that keeps its size
    and lands in the same mtime tick must still be seen (racy git)."""
    path = project / "a.py"
    path.write_text("v1")
    st = os.stat(path)
    first = inputs.source_hash(project, FILES)
    path.write_text("v2")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same stat as when it was hashed
    assert inputs.source_hash(project, FILES) != first


def test_a_broken_cache_file_is_ignored(project: Path) -> None:
    first = inputs.source_hash(project, FILES)
    cache = statcache.for_root(project)
    cache.path.write_bytes(b"\xff\x00garbage\x00")
    assert inputs.source_hash(project, FILES) == first
    cache.path.write_bytes(b"")
    assert inputs.source_hash(project, FILES) == first


def test_an_in_place_edit_that_restores_size_and_mtime_is_seen(project: Path) -> None:
    """An old file (recorded: not racy) rewritten in place with the same
    size and its mtime set back (`touch -r`, a restore) keeps every stat
    field the cache compared before but the ctime, which no one can set."""
    path = project / "a.py"
    first = inputs.source_hash(project, FILES)
    st = os.stat(path)
    with path.open("r+b") as f:
        f.write(b"A.PY")  # same length as "a.py"
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    assert inputs.source_hash(project, FILES) == inputs.source_hash(project, FILES, use_cache=False) != first
