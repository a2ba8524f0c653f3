"""Lock round-trip and freshness, without an engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity import config, inputs, lock
from devparity.base import BasePin
from devparity.errors import ConfigError, LockError, UsageError
from tests.helpers import lock_data, python_project, run_cli

DIGEST = "sha256:" + "c" * 64


def write_lock(root: Path, salt: str | None = None) -> config.Config:
    cfg = config.load(root / "devparity.toml")
    lock.write(cfg, lock_data(root, digest=DIGEST, salt=salt))
    return cfg


def test_lock_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    cfg = write_lock(python_project(tmp_path, "shop", requirements="six==1.16.0\n"))
    first = (tmp_path / "devparity.lock").read_text()
    data = json.loads(first)
    write_lock(tmp_path, salt=data["salt"])
    assert (tmp_path / "devparity.lock").read_text() == first
    assert list(data) == sorted(data)
    assert data["schema"] == lock.SCHEMA
    assert data["base"] == {"ref": "python:3.11-slim", "digest": DIGEST, "source": "registry", "local_only": False}
    assert set(data["inputs"]["files"]) == {"requirements.txt"}
    read = lock.read(cfg)
    assert read is not None and read.pin_for(cfg) == DIGEST
    assert lock.stale_inputs(cfg, read) == []


def test_dependency_change_makes_lock_stale(tmp_path: Path) -> None:
    cfg = write_lock(python_project(tmp_path, "shop"))
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    read = lock.read(cfg)
    assert read is not None
    assert lock.stale_inputs(cfg, read) == ["requirements.txt"]


def test_dev_section_change_does_not_make_lock_stale(tmp_path: Path) -> None:
    write_lock(python_project(tmp_path, "shop"))
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('APP_ENV = "development"', 'APP_ENV = "dev2"'))
    cfg = config.load(toml)
    assert lock.stale_inputs(cfg, lock.read(cfg)) == []  # type: ignore[arg-type]
    toml.write_text(toml.read_text().replace("ports = [8000]", "ports = [8001]"))
    cfg = config.load(toml)
    assert lock.stale_inputs(cfg, lock.read(cfg)) == ["devparity.toml (image settings)"]  # type: ignore[arg-type]


def test_lock_check_cli_exit_codes(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    missing = run_cli("lock", "--check", cwd=tmp_path)
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    write_lock(tmp_path)
    assert run_cli("lock", "--check", cwd=tmp_path).exit_code == 0
    (tmp_path / "requirements.txt").write_text("six\n")
    stale = run_cli("lock", "--check", cwd=tmp_path)
    assert stale.exit_code == 1
    assert "requirements.txt" in stale.stderr and "devparity lock" in stale.stderr


def test_lock_write_is_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write_lock(python_project(tmp_path, "shop"))
    before = (tmp_path / "devparity.lock").read_text()

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", boom)
    with pytest.raises(UsageError, match="cannot write"):
        lock.write(cfg, lock_data(tmp_path, digest="sha256:" + "d" * 64))
    assert (tmp_path / "devparity.lock").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [("{not json", "not valid JSON"), ('{"schema": 99}', "unknown lock schema 99"), ('{"schema": 1}', "`generated_by` is missing")],
)
def test_bad_lock_files(tmp_path: Path, text: str, needle: str) -> None:
    python_project(tmp_path, "shop")
    cfg = config.load(tmp_path / "devparity.toml")
    (tmp_path / "devparity.lock").write_text(text)
    with pytest.raises(LockError, match=needle):
        lock.read(cfg)
    r = run_cli("lock", "--check", cwd=tmp_path)
    assert r.exit_code == 2 and needle.split()[0] in r.stderr


def test_missing_dependency_file_is_a_config_error(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    (tmp_path / "requirements.txt").unlink()
    cfg = config.load(tmp_path / "devparity.toml")
    with pytest.raises(ConfigError, match="'requirements.txt'.*does not exist"):
        inputs.compute(cfg, None)


def test_source_hash_ignores_nothing_it_is_given_and_sees_edits(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    files = ["app.py", "requirements.txt"]
    a = inputs.source_hash(tmp_path, files)
    assert inputs.source_hash(tmp_path, files) == a
    (tmp_path / "app.py").write_text("print('v2')\n")
    assert inputs.source_hash(tmp_path, files) != a
