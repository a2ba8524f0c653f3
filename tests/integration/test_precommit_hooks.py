"""The pre-commit hooks (.pre-commit-hooks.yaml) run by the real pre-commit
from PyPI in a temporary git repository (issue 11): devparity installed
from this checkout into pre-commit's own environment (`language: python`),
the hook definitions taken from the file as it is."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import REPO, python_project, run_cli, write_lock
from tests.support.tools import pre_commit

HOOKS = REPO / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict[str, object]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}


def test_the_hooks_file_offers_both_hooks_as_python_hooks() -> None:
    found = hooks()
    assert set(found) == {"devparity-lock-check", "devparity-check-offline"}
    for hook in found.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert str(hook["entry"]).startswith("devparity ")
    files = re.compile(str(found["devparity-lock-check"]["files"]))
    for changed in ("requirements.txt", "svc/requirements-dev.txt", "devparity.toml", "devparity.lock", "go.sum",
                    "package-lock.json", ".pre-commit-config.yaml"):
        assert files.search(changed), changed
    for unrelated in ("app.py", "README.md", "requirements/notes.md"):
        assert not files.search(unrelated), unrelated


def test_pre_commit_accepts_the_manifest() -> None:
    r = subprocess.run([*pre_commit(), "validate-manifest", str(HOOKS)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    r = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed project with a fresh lock and devparity-lock-check installed."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    root = python_project(tmp_path / "repo", "hooked", requirements="six==1.16.0\n")
    write_lock(root)
    assert run_cli("lock", "--check", cwd=root).exit_code == 0
    hook = {**hooks()["devparity-lock-check"], "additional_dependencies": [str(REPO)]}
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "project")
    r = subprocess.run([*pre_commit(), "install"], cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return root


def test_a_commit_changing_requirements_without_relocking_is_refused(repo: Path) -> None:
    (repo / "requirements.txt").write_text("six==1.17.0\n")
    git(repo, "add", "requirements.txt")
    refused = git(repo, "commit", "-m", "bump six", check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "devparity lock --check" in out and "Failed" in out
    assert "requirements.txt" in out  # lock --check names what changed
    assert git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"

    # a commit that touches no dependency file skips the hook
    git(repo, "reset", "-q", "--hard")
    (repo / "app.py").write_text((repo / "app.py").read_text() + "\n# a comment\n")
    git(repo, "add", "app.py")
    passed = git(repo, "commit", "-m", "comment")
    assert "Skipped" in passed.stdout + passed.stderr

    # relocked, the same change goes in
    (repo / "requirements.txt").write_text("six==1.17.0\n")
    write_lock(repo)
    git(repo, "add", "requirements.txt", "devparity.lock")
    relocked = git(repo, "commit", "-m", "bump six, relocked")
    assert "Passed" in relocked.stdout + relocked.stderr
