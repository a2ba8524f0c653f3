"""The host probe's kept answer (devparity.drift.hostcache, issue 10): asked
once, then served while nothing it can depend on changed; asked again when
the executable, the environment, the working directory or a version file
changes (a pyenv shim's answer follows .python-version)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devparity.drift import gather, hostcache
from devparity.drift.findings import Skipped

SHIM = """#!/bin/sh
# a version manager's shim: counts its runs, answers from .python-version
echo run >> "{count}"
v=$(cat .python-version 2>/dev/null || echo 3.11.7)
echo "Python $v"
"""


@pytest.fixture
def shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    count = tmp_path / "count"
    exe = bin_dir / "python3"
    exe.write_text(SHIM.format(count=count))
    exe.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(project)
    return count


def probe() -> str | Skipped:
    p = gather.HostProbe("python")
    try:
        return p.result()
    finally:
        p.close()


def runs(count: Path) -> int:
    return len(count.read_text().splitlines()) if count.exists() else 0


def test_asked_once_then_kept(shim: Path) -> None:
    assert probe() == "3.11.7"
    assert probe() == "3.11.7"
    assert runs(shim) == 1


def test_a_version_file_edit_is_asked_again(shim: Path) -> None:
    assert probe() == "3.11.7"
    Path(".python-version").write_text("3.12.1\n")  # appears
    assert probe() == "3.12.1"
    Path(".python-version").write_text("3.13.0\n")  # edited in place, same size
    assert probe() == "3.13.0"
    assert runs(shim) == 3


def test_a_version_file_above_the_project_counts(shim: Path) -> None:
    assert probe() == "3.11.7"
    (Path.cwd().parent / ".tool-versions").write_text("python 3.12.1\n")
    probe()
    assert runs(shim) == 2


def test_the_environment_and_the_directory_count(shim: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    probe()
    monkeypatch.setenv("PYENV_VERSION", "3.12.1")
    probe()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    probe()
    assert runs(shim) == 3


def test_a_replaced_executable_is_asked_again(shim: Path) -> None:
    probe()
    exe = Path(os.environ["PATH"].split(":")[0]) / "python3"
    exe.write_text(exe.read_text().replace("Python $v", "Python 3.10.0"))
    assert probe() == "3.10.0"
    assert runs(shim) == 2


def test_no_version_printed_is_kept_as_such_and_an_unusable_cache_is_no_cache(shim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = Path(os.environ["PATH"].split(":")[0]) / "python3"
    exe.write_text(f'#!/bin/sh\necho run >> "{shim}"\necho oops\nexit 1\n')
    assert isinstance(probe(), Skipped)
    assert isinstance(probe(), Skipped)
    assert runs(shim) == 1
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(blocker))
    assert isinstance(probe(), Skipped)
    assert isinstance(probe(), Skipped)
    assert runs(shim) == 3


def test_the_key_is_stable_for_the_same_state(shim: Path) -> None:
    exe = os.environ["PATH"].split(":")[0] + "/python3"
    assert hostcache.key(("python3", "--version"), exe) == hostcache.key(("python3", "--version"), exe)
    assert hostcache.key(("python3", "--version"), exe) != hostcache.key(("python3", "-V"), exe)
