"""`devparity snapshot` and `devparity diff` against the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devparity.drift.fingerprint import load_snapshot
from tests.support import free_port, make_wheel, python_project, run_cli
from tests.support.registry import SECRET, exec_dev, lock_project, start_dev


@pytest.fixture
def project(tmp_path: Path, project_name: str) -> Path:
    """A locked project whose image bakes in a secret-looking env var."""
    root = python_project(tmp_path / "app", project_name, port=free_port())
    toml = root / "devparity.toml"
    toml.write_text(
        toml.read_text().replace(
            'env = { APP_ENV = "production",', f'env = {{ DB_PASSWORD = "{SECRET}", APP_ENV = "production",'
        )
    )
    lock_project(root)
    return root


def test_snapshots_of_lock_and_prod_image_match(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "lock.json"
    r = run_cli("snapshot", "lock", "-o", str(out), cwd=project)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and str(out) in r.stderr  # the report is the file; notes on stderr
    locked = load_snapshot(out)
    assert (locked["kind"], locked["ref"]) == ("image", "devparity.lock")
    prod_image = run_cli("build", "-q", cwd=project).stdout.strip().splitlines()[-1]
    snap = run_cli("snapshot", prod_image, cwd=project)
    assert snap.exit_code == 0, snap.stderr
    fp = json.loads(snap.stdout)
    assert fp["kind"] == "image" and fp["packages"]["pip"]
    for r in (run_cli("diff", "lock", prod_image, cwd=project), run_cli("diff", str(out), "lock", cwd=project)):
        assert r.exit_code == 0, r.stdout + r.stderr
        assert "no drift" in r.stdout
    for text in (out.read_text(), snap.stdout, (project / "devparity.lock").read_text()):
        assert SECRET not in text and "DB_PASSWORD" in text


def test_diff_names_package_changes_with_both_versions(project: Path, tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    assert run_cli("snapshot", "lock", "-o", str(a), cwd=project).exit_code == 0
    fp = json.loads(a.read_text())
    pip_version = fp["packages"]["pip"]["pip"]
    fp["packages"]["pip"]["pip"] = "99.0"
    fp["packages"]["pip"]["newpkg"] = "1.2.3"
    fp["config"]["env"]["APP_ENV"] = "staging"
    b = tmp_path / "b.json"
    b.write_text(json.dumps(fp))
    r = run_cli("diff", str(a), str(b), cwd=project)
    assert r.exit_code == 1
    assert f"~ pip pip {pip_version} -> 99.0" in r.stdout
    assert "+ pip newpkg 1.2.3" in r.stdout and "~ env APP_ENV production -> staging" in r.stdout
    doc = json.loads(run_cli("diff", str(a), str(b), "--format", "json", cwd=project).stdout)
    assert doc["identical"] is False and doc["schema"] == 1
    change = next(c for c in doc["changes"] if c["name"] == "pip")
    assert (change["kind"], change["a"], change["b"], change["ecosystem"]) == ("changed", pip_version, "99.0", "pip")
    assert SECRET not in r.stdout and SECRET not in json.dumps(doc)


def test_diff_lock_and_live_dev_after_a_hand_install(project: Path, engine: Any) -> None:
    wheel = make_wheel(project / "wheels", "handmade_dpt", "0.3")
    start_dev(project)
    exec_dev(project, "python", "-m", "pip", "install", "--no-index", f"wheels/{wheel.name}")
    r = run_cli("diff", "lock", "dev", "--format", "json", cwd=project)
    assert r.exit_code == 1, r.stderr
    doc = json.loads(r.stdout)
    assert {
        "category": "package",
        "ecosystem": "pip",
        "name": "handmade-dpt",
        "kind": "added",
        "a": None,
        "b": "0.3",
    } in doc["changes"]
    snap = run_cli("snapshot", "dev", cwd=project)
    assert snap.exit_code == 0 and json.loads(snap.stdout)["kind"] == "container"
    assert SECRET not in r.stdout + snap.stdout


def test_bad_targets_and_formats(project: Path) -> None:
    r = run_cli("snapshot", "no-such-image-dpt:latest", cwd=project)
    assert r.exit_code == 2 and "is not dev, prod, lock, a snapshot file, or an image" in r.stderr
    assert run_cli("snapshot", "missing.json", cwd=project).exit_code == 2
    assert run_cli("diff", "lock", "lock", "--format", "junit", cwd=project).exit_code == 2
    prod = run_cli("snapshot", "prod", cwd=project)
    assert prod.exit_code == 3 and "no prod container of project" in prod.stderr and "devparity up prod" in prod.stderr
