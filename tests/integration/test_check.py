"""`devparity check` against the real engine and the local registry: each
seeded drift is caught and named; a fresh project with dev running is at
parity; every format parses; secret values never appear."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import config, roles
from tests.support import free_port, make_wheel, python_project, run_cli
from tests.support.registry import REGISTRY, SECRET, build_variant, exec_dev, forget_repo, lock_project, package_index, push, remove_project_images, start_dev, start_prod_with_env

BASE_SOURCE = "python:3.11-slim"


@pytest.fixture
def base_ref(engine: Any) -> Iterator[str]:
    """python:3.11-slim pushed as a unique repository of the local registry."""
    repo = f"{REGISTRY}/dpt-{uuid.uuid4().hex[:8]}/py"
    try:
        push(engine, BASE_SOURCE, f"{repo}:3.11")
    except Exception as exc:  # noqa: BLE001 - any failure means no registry
        pytest.skip(f"the local registry at {REGISTRY} is not usable: {exc}")
    yield f"{repo}:3.11"
    forget_repo(engine, repo)


@pytest.fixture
def project(tmp_path: Path, project_name: str, base_ref: str) -> Path:
    """A locked project whose base comes from the local registry, with [dev] overrides."""
    root = python_project(
        tmp_path / "app",
        project_name,
        port=free_port(),
        base_image=base_ref,
        extra_toml='command = ["python", "-u", "app.py"]\n',  # appended to [dev]
    )
    lock_project(root)
    return root


def check(root: Path, *args: str) -> Any:
    return run_cli("check", *args, cwd=root)


def test_fresh_project_with_dev_running_is_at_parity_in_every_format(
    project: Path, project_name: str, engine: Any
) -> None:
    start_dev(project, "all")  # dev with its [dev] overlay, and prod
    r = check(project)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "parity: 0 errors" in r.stdout
    assert "✓ live containers vs image: ok" in r.stdout
    cfg = config.load(project / "devparity.toml")
    assert {c.name for c in engine.containers.list(filters={"label": f"devparity.project={project_name}"})} == {
        roles.name_for(cfg, "dev"),
        roles.name_for(cfg, "prod"),
    }
    doc = json.loads(check(project, "--format", "json").stdout)
    assert doc["status"] == "parity" and doc["findings"] == []
    statuses = {rule["id"]: rule["status"] for rule in doc["rules"]}
    assert statuses.pop("host") in ("pass", "warn", "skipped")  # whatever python3 this host has
    assert statuses == {"lock": "pass", "image": "pass", "base": "pass", "containers": "pass", "secrets": "pass"}
    junit = ET.fromstring(check(project, "--format", "junit").stdout)
    assert len(junit.findall("./testsuite/testcase")) == 6 and junit.get("failures") == "0"
    gh = check(project, "--format", "github")
    assert gh.exit_code == 0 and "::error" not in gh.stdout


def test_package_installed_by_hand_in_dev(project: Path, engine: Any) -> None:
    wheel = make_wheel(project / "wheels", "leftpad_dpt", "1.0")
    start_dev(project)
    exec_dev(project, "python", "-m", "pip", "install", "--no-index", f"wheels/{wheel.name}")
    r = check(project)
    assert r.exit_code == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "leftpad-dpt" in ln)
    assert "dev container" in line and "pip package leftpad-dpt 1.0" in line and "fix:" in line
    assert "site-packages" not in r.stdout  # its files fold into the package finding
    # accepted by name with a reason: shown, not failing
    toml = project / "devparity.toml"
    toml.write_text(
        toml.read_text() + '\n[check]\nallow = [{ rule = "package", name = "leftpad-dpt", reason = "trying it" }]\n'
    )
    accepted = check(project)
    assert accepted.exit_code == 0, accepted.stdout
    assert "accepted" in accepted.stdout and "trying it" in accepted.stdout


def test_stale_lock_names_the_file(project: Path) -> None:
    (project / "requirements.txt").write_text("# a new requirement\n")
    r = check(project)
    assert r.exit_code == 1
    assert "requirements.txt changed since devparity.lock was written" in r.stdout
    assert "(fix: run `devparity lock`)" in r.stdout


def test_loosely_pinned_dependency_resolving_differently(
    tmp_path: Path, project_name: str, base_ref: str, engine: Any
) -> None:
    index = tmp_path / "index"
    make_wheel(index, "loose_dpt", "1.0")
    with package_index(index) as url:
        root = python_project(
            tmp_path / "app", project_name, port=free_port(), base_image=base_ref, requirements=f"--no-index\n--find-links {url}\nloose_dpt\n"
        )
        requirements = (root / "requirements.txt").read_bytes()
        lock_project(root)
        assert check(root).exit_code == 0
        make_wheel(index, "loose_dpt", "1.1")  # the index moves on; requirements.txt does not
        remove_project_images(engine, project_name)  # a fresh CI machine builds anew
        r = check(root, "--format", "json")
    assert (root / "requirements.txt").read_bytes() == requirements
    assert r.exit_code == 1, r.stdout + r.stderr
    [finding] = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "image"]
    assert (finding["name"], finding["expected"], finding["actual"]) == ("loose-dpt", "1.0", "1.1")
    assert "loose-dpt==1.0" in finding["fix"]


def test_base_tag_re_pushed(project: Path, base_ref: str, project_name: str, engine: Any) -> None:
    locked = json.loads((project / "devparity.lock").read_text())["base"]["digest"]
    variant = build_variant(engine, base_ref, project_name)
    new = push(engine, variant, base_ref)
    assert new != locked
    r = check(project)
    assert r.exit_code == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "now resolves to" in ln)
    assert locked in line and new in line and base_ref in line
    offline = check(project, "--offline")
    assert offline.exit_code == 0 and "skipped (--offline)" in offline.stdout


def test_env_changed_in_prod_only_and_secrets_never_printed(project: Path, engine: Any) -> None:
    start_dev(project)
    start_prod_with_env(project, engine, {"APP_ENV": "staging", "API_TOKEN": SECRET})
    outputs = {fmt: check(project, "--format", fmt) for fmt in ("text", "json", "junit", "github")}
    assert all(r.exit_code == 1 for r in outputs.values()), outputs["text"].stdout
    for r in outputs.values():
        assert SECRET not in r.stdout and SECRET not in r.stderr
    findings = json.loads(outputs["json"].stdout)["findings"]
    env = {(f["subject"], f["name"]) for f in findings if f["category"] == "env"}
    assert env == {("prod container", "APP_ENV"), ("prod container", "API_TOKEN")}
    app_env = next(f for f in findings if f["name"] == "APP_ENV")
    assert (app_env["expected"], app_env["actual"]) == ("production", "staging")
    ET.fromstring(outputs["junit"].stdout)
    for fmt in ("snapshot prod", "diff lock prod"):
        r = run_cli(*fmt.split(), cwd=project)
        assert SECRET not in r.stdout and "API_TOKEN" in r.stdout


def test_file_baked_into_the_image_but_hidden_by_the_dev_mount(
    tmp_path: Path, project_name: str, base_ref: str, engine: Any
) -> None:
    # The install step writes into the workdir; the host directory never has that file.
    install = "pip install --no-cache-dir -r requirements.txt && echo built > generated.txt"
    root = python_project(tmp_path / "app", project_name, port=free_port(), base_image=base_ref, install=install)
    lock_project(root)
    start_dev(root)
    r = check(root)
    assert r.exit_code == 1, r.stdout + r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "/app/generated.txt" in ln)
    assert "in the prod image but hidden by the dev container's bind mount" in line and "fix:" in line


def test_must_show_sequence(project: Path, base_ref: str, project_name: str, engine: Any) -> None:
    """The issue's walk-through in one project: parity, then a hand install,
    a dependency change and a re-pushed base tag, each failing the gate."""
    start_dev(project)
    assert check(project).exit_code == 0
    json.loads(check(project, "--format", "json").stdout)
    ET.fromstring(check(project, "--format", "junit").stdout)

    wheel = make_wheel(project / "wheels", "by_hand_dpt", "2.0")
    exec_dev(project, "python", "-m", "pip", "install", "--no-index", f"wheels/{wheel.name}")
    r = check(project)
    assert r.exit_code == 1 and "pip package by-hand-dpt 2.0" in r.stdout

    (project / "requirements.txt").write_text("# changed\n")
    r = check(project)
    assert r.exit_code == 1 and "changed since devparity.lock was written" in r.stdout

    locked = json.loads((project / "devparity.lock").read_text())["base"]["digest"]
    new = push(engine, build_variant(engine, base_ref, project_name), base_ref)
    r = check(project)
    assert r.exit_code == 1 and f"now resolves to {new}" in r.stdout and locked in r.stdout


def test_secret_values_never_printed_even_while_check_builds(
    tmp_path: Path, project_name: str, base_ref: str, engine: Any
) -> None:
    root = python_project(tmp_path / "app", project_name, port=free_port(), base_image=base_ref)
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace("env = { APP_ENV", f'env = {{ DB_PASSWORD = "{SECRET}", APP_ENV', 1))
    lock_project(root)
    assert SECRET not in (root / "devparity.lock").read_text()
    remove_project_images(engine, project_name)  # check builds, and the build log echoes ENV
    runs = [check(root, "--format", fmt) for fmt in ("text", "json", "junit", "github")]
    assert re.search(r"DB_PASSWORD=['\"]?<masked:", runs[0].stderr)  # it built; the ENV step was redacted
    for r in runs:
        assert r.exit_code == 0, r.stdout + r.stderr
        assert SECRET not in r.stdout and SECRET not in r.stderr
