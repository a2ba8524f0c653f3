"""`devparity push` against the real engine and the local registry
(issue 9): the locked image released by digest and recorded in the lock,
a second push a no-op, check's release rule, refusal of a stale lock."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.support import run_cli
from tests.support.registry import lock_project


def _manifest_digest(ref: str) -> str:
    repo, tag = ref.rsplit(":", 1)
    host, _, path = repo.partition("/")
    req = urllib.request.Request(
        f"http://{host}/v2/{path}/manifests/{tag}",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        method="HEAD",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(resp.headers["Docker-Content-Digest"])


def test_push_records_the_registry_digest_and_twice_is_a_no_op(project: Path, registry: str, project_name: str) -> None:
    r = run_cli("push", "--registry", registry, cwd=project)
    assert r.exit_code == 0, r.stderr
    rel = json.loads((project / "devparity.lock").read_text())["release"]
    assert rel["registry"] == registry and rel["repository"] == f"{registry}/{project_name.lower()}"
    assert _manifest_digest(f"{rel['repository']}:{rel['tag']}") == rel["digest"]
    assert run_cli("lock", "--check", cwd=project).exit_code == 0  # the release keeps the lock consistent
    before = (project / "devparity.lock").read_text()
    again = run_cli("push", "--registry", registry, cwd=project)
    assert again.exit_code == 0 and "already released" in again.stderr and "nothing pushed" in again.stderr
    assert (project / "devparity.lock").read_text() == before
    checked = run_cli("check", "--offline", cwd=project)
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert "built image vs release" in checked.stdout


def test_push_takes_the_registry_from_the_config_and_refuses_a_stale_lock(project: Path, registry: str) -> None:
    toml = project / "devparity.toml"
    toml.write_text(toml.read_text() + f'\n[release]\nregistry = "{registry}"\n')
    (project / "requirements.txt").write_text("# changed\n")
    r = run_cli("push", cwd=project)
    assert r.exit_code == 1 and "stale" in r.stderr and "requirements.txt" in r.stderr
    lock_project(project)
    r = run_cli("push", cwd=project)
    assert r.exit_code == 0, r.stderr
    assert json.loads((project / "devparity.lock").read_text())["release"]["registry"] == registry


def test_check_names_a_release_whose_fingerprint_differs(project: Path, registry: str) -> None:
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    path = project / "devparity.lock"
    data = json.loads(path.read_text())
    data["release"]["fingerprint"] = "sha256:" + "0" * 64  # as if CI's build had differed
    from devparity import lock

    data["digest"] = lock.content_digest(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    r = run_cli("check", "--offline", cwd=project)
    assert r.exit_code == 1 and "differs from the released" in r.stdout
    again = run_cli("push", "--registry", registry, cwd=project)
    assert again.exit_code == 1 and "differs from the released" in again.stderr


def test_push_without_a_registry_is_a_usage_error(project: Path) -> None:
    r = run_cli("push", cwd=project)
    assert r.exit_code == 2 and "--registry" in r.stderr
