"""Lock round-trip and freshness, without an engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devparity import config, inputs, lock
from devparity.pin import BasePin
from devparity.errors import ConfigError, LockError, LockTampered, UsageError
from tests.support import lock_data, python_project, run_cli

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
    assert lock.stale_inputs(cfg, read, inputs.compute(cfg, None)) == []


def test_dependency_change_makes_lock_stale(tmp_path: Path) -> None:
    cfg = write_lock(python_project(tmp_path, "shop"))
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    read = lock.read(cfg)
    assert read is not None
    assert lock.stale_inputs(cfg, read, inputs.compute(cfg, None)) == ["requirements.txt"]


def test_dev_section_change_does_not_make_lock_stale(tmp_path: Path) -> None:
    write_lock(python_project(tmp_path, "shop"))
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('APP_ENV = "development"', 'APP_ENV = "dev2"'))
    cfg = config.load(toml)
    assert lock.stale_inputs(cfg, lock.read(cfg), inputs.compute(cfg, None)) == []  # type: ignore[arg-type]
    toml.write_text(toml.read_text().replace("ports = [8000]", "ports = [8001]"))
    cfg = config.load(toml)
    assert lock.stale_inputs(cfg, lock.read(cfg), inputs.compute(cfg, None)) == ["devparity.toml (image settings)"]  # type: ignore[arg-type]


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


def test_salt_is_made_once_and_kept(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    fresh = lock_data(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["salt"])
    assert lock_data(tmp_path, salt=fresh["salt"])["salt"] == fresh["salt"]
    cfg = write_lock(tmp_path, salt=fresh["salt"])
    read = lock.read(cfg)
    assert read is not None and read.salt == fresh["salt"] and read.data["salt"] == fresh["salt"]


def test_digest_covers_everything_but_itself(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    data = lock_data(tmp_path)
    assert data["digest"] == lock.content_digest(data) == lock.content_digest({**data, "digest": "x"})
    assert lock.inconsistencies(data) == []
    for path in (("generated_by",), ("fingerprint", "os", "id"), ("inputs", "files", "requirements.txt")):
        edited = json.loads(json.dumps(data))
        node = edited
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = "sha256:" + "9" * 64
        assert "its content does not match its `digest`" in lock.inconsistencies(edited), path


def test_a_local_only_pin_records_no_digest_in_its_inputs(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    cfg = config.load(tmp_path / "devparity.toml")
    image_id = "sha256:" + "d" * 64
    fp = {"schema": 1, "runtimes": {"python": "3.11.9"}, "base": {"ref": "python:3.11-slim", "digest": image_id}}
    pin = BasePin("python:3.11-slim", image_id, "local", image_id)
    data = lock.make(cfg, inputs.compute(cfg, None), pin, runtime_in_image="3.11.9", fingerprint=fp)
    lock.write(cfg, data)
    read = lock.read(cfg)
    assert read is not None and read.problems == () and read.pin_for(cfg) is None
    assert run_cli("lock", "--check", cwd=tmp_path).exit_code == 0


def test_an_edited_pin_is_never_built_from(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    data = lock_data(tmp_path)
    data["base"]["digest"] = "sha256:" + "e" * 64
    data["digest"] = lock.content_digest(data)
    (tmp_path / "devparity.lock").write_text(json.dumps(data))
    cfg = config.load(tmp_path / "devparity.toml")
    read = lock.read(cfg)
    assert read is not None and read.problems
    with pytest.raises(LockTampered, match="edited by hand") as exc:
        read.pin_for(cfg)
    assert exc.value.exit_code == 1


def test_a_changed_config_is_stale_not_edited(tmp_path: Path) -> None:
    """The lock's project and runtime disagree with a renamed project; that
    is the config moving on (stale), not a hand edit of the lock."""
    write_lock(python_project(tmp_path, "shop"))
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('name = "shop"', 'name = "shop2"'))
    r = run_cli("lock", "--check", cwd=tmp_path)
    assert r.exit_code == 1 and "stale" in r.stderr and "edited by hand" not in r.stderr


def test_lock_check_names_a_hand_edit(tmp_path: Path) -> None:
    write_lock(python_project(tmp_path, "shop"))
    path = tmp_path / "devparity.lock"
    path.write_text(path.read_text().replace('"project": "shop"', '"project": "shop2"'))
    r = run_cli("lock", "--check", cwd=tmp_path)
    assert r.exit_code == 1
    assert "devparity.lock was edited by hand; run `devparity lock`" in r.stderr
    assert "`project` is not [project].name" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_no_mutation_of_a_lock_escapes_as_anything_but_a_lock_error(tmp_path: Path) -> None:
    """Every field removed or replaced by each JSON type, one at a time;
    reading either succeeds or raises LockError, and never crashes."""
    python_project(tmp_path, "shop")
    cfg = config.load(tmp_path / "devparity.toml")
    data = lock_data(tmp_path)
    values: list[object] = [..., None, True, 0, -1, 1.5, "", "x\n", [], [1], {}, {"a": 1}, "sha256:" + "0" * 64]

    def paths(node: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        if not isinstance(node, dict):
            return [prefix]
        return [prefix] * bool(prefix) + [p for k, v in node.items() for p in paths(v, (*prefix, k))]

    for path in paths(data):
        for value in values:
            edited = json.loads(json.dumps(data))
            node = edited
            for key in path[:-1]:
                node = node[key]
            if value is ...:
                del node[path[-1]]  # the field removed
            else:
                node[path[-1]] = value
            (tmp_path / "devparity.lock").write_text(json.dumps(edited))
            try:
                got = lock.read(cfg)
            except LockError:
                continue
            assert got is not None
            lock.disagreements(cfg, got)  # must not raise either
