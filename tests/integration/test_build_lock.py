"""Build, lock and base pinning against the real engine and local registry."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from devparity import builder, config, inputs, lock, plan, project
from tests.support import python_project, run_cli

REGISTRY = os.environ.get("DEVPARITY_REGISTRY", "127.0.0.1:5000")


def images_of(client: object, name: str) -> list[dict]:
    return client.api.images(filters={"label": [f"devparity.project={name}"]})  # type: ignore[attr-defined]


def test_second_build_makes_no_engine_build_call(tmp_path: Path, project_name: str, engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    python_project(tmp_path, project_name)
    first = run_cli("build", "-q", cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    image_id = first.stdout.strip().splitlines()[-1]
    assert image_id.startswith("sha256:")

    def no_build(*_a: object, **_k: object) -> None:
        raise AssertionError("build called although nothing changed")

    monkeypatch.setattr("devparity.engine.images.build", no_build)
    second = run_cli("build", cwd=tmp_path)
    assert second.exit_code == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == image_id
    assert "up to date" in second.stderr
    attrs = engine.api.inspect_image(image_id)  # type: ignore[attr-defined]
    labels = attrs["Config"]["Labels"]
    assert labels["devparity.project"] == project_name
    assert labels["devparity.inputs"].startswith("sha256:")
    assert attrs["Config"]["User"] == "app"


def test_source_only_change_reuses_dependency_layer(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name, requirements="six==1.16.0\n")
    cfg = config.load(tmp_path / "devparity.toml")
    lines: list[str] = []
    first = builder.ensure(plan.make(cfg, None), on_line=lines.append)
    (tmp_path / "app.py").write_text((tmp_path / "app.py").read_text().replace('"v1"', '"v2"'))
    lines.clear()
    second = builder.ensure(plan.make(cfg, None), on_line=lines.append)
    assert second.built and second.id != first.id
    assert second.plan.inputs.hash == first.plan.inputs.hash
    # the pip layer came from cache: pip printed nothing this time
    assert not any("Collecting" in line or "Successfully installed" in line for line in lines), lines
    assert builder.ensure(plan.make(cfg, None), with_source=False).id == second.id  # newest image for these inputs
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    lines.clear()
    third = builder.ensure(plan.make(cfg, None), on_line=lines.append)
    assert third.plan.inputs.hash != first.plan.inputs.hash
    assert any("six-1.17.0" in line for line in lines)


def test_failed_build_shows_step_and_exits_3(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name, requirements="this-package-does-not-exist-devparity==0.0.1\n")
    r = run_cli("build", cwd=tmp_path)
    assert r.exit_code == 3
    assert "build failed at Step" in r.stderr and "RUN pip install" in r.stderr
    assert "Traceback" not in r.stderr


def _push(client: object, source: str, repo: str, tag: str) -> None:
    client.api.tag(source, repo, tag)  # type: ignore[attr-defined]
    for chunk in client.api.push(repo, tag, stream=True, decode=True):  # type: ignore[attr-defined]
        assert "error" not in chunk, chunk


def _registry_up() -> bool:
    try:
        urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=2)
        return True
    except OSError:
        return False


@pytest.fixture
def registry_base(engine: object, project_name: str) -> str:
    if not _registry_up():
        if os.environ.get("CI"):
            pytest.fail(f"no registry at {REGISTRY}; scripts/engine starts one")
        pytest.skip(f"no registry at {REGISTRY}; run scripts/engine")
    repo = f"{REGISTRY}/{project_name}/python"
    _push(engine, "python:3.11-slim", repo, "3.11")
    yield f"{repo}:3.11"
    untag(engine, repo)


def untag(client: object, repo: str) -> None:
    """Drop the tags and digests under ``repo`` only: the image behind them is
    python:3.11-slim itself, which must stay."""
    for img in client.api.images(name=repo):  # type: ignore[attr-defined]
        refs = [t for t in (img.get("RepoTags") or []) + (img.get("RepoDigests") or []) if t.startswith(repo)]
        for ref in refs:
            try:
                client.api.remove_image(ref)  # type: ignore[attr-defined]
            except Exception:  # a digest reference goes with the last tag
                pass


def test_lock_pins_registry_digest_and_build_uses_it(tmp_path: Path, project_name: str, registry_base: str, engine: object) -> None:
    python_project(tmp_path, project_name)
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('version = "3.11"', f'version = "3.11"\nbase_image = "{registry_base}"'))
    r = run_cli("lock", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    data = json.loads((tmp_path / "devparity.lock").read_text())
    expected = engine.images.get_registry_data(registry_base).id  # type: ignore[attr-defined]
    assert data["base"] == {"ref": registry_base, "digest": expected, "source": "registry", "local_only": False}
    assert data["runtime"]["in_image"].startswith("3.11")
    assert data["fingerprint"]["packages"]["dpkg"]["python3"]
    assert "image_id" not in data["fingerprint"]
    rendered = run_cli("render", cwd=tmp_path).stdout
    assert f"FROM {registry_base.rsplit(':', 1)[0]}@{expected}" in rendered
    built = run_cli("build", "-q", cwd=tmp_path)
    assert built.exit_code == 0, built.stderr
    cfg = config.load(toml)
    assert lock.stale_inputs(cfg, lock.read(cfg), inputs.compute(cfg, None)) == []  # type: ignore[arg-type]
    assert run_cli("lock", "--check", cwd=tmp_path).exit_code == 0
    (tmp_path / "requirements.txt").write_text("six\n")
    assert run_cli("lock", "--check", cwd=tmp_path).exit_code == 1


def test_local_only_base_is_flagged(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name)
    r = run_cli("lock", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert "local-only" in r.stderr
    data = json.loads((tmp_path / "devparity.lock").read_text())
    local_id = engine.api.inspect_image("python:3.11-slim")["Id"]  # type: ignore[attr-defined]
    assert data["base"]["local_only"] is True and data["base"]["digest"] == local_id
    assert "FROM python:3.11-slim" in run_cli("render", cwd=tmp_path).stdout


def test_missing_base_image_is_an_engine_error(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name)
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('version = "3.11"', 'version = "3.11"\nbase_image = "devparity-no-such-image:1"'))
    r = run_cli("lock", cwd=tmp_path)
    assert r.exit_code == 3
    assert "devparity-no-such-image:1" in r.stderr and "Traceback" not in r.stderr
    assert engine.api.containers(all=True, filters={"label": f"devparity.project={project_name}"}) == []  # type: ignore[attr-defined]


def test_node_project_builds_and_locks(tmp_path: Path, project_name: str, engine: object) -> None:
    (tmp_path / ".nvmrc").write_text("18\n")
    (tmp_path / "package.json").write_text(json.dumps({"name": "web", "version": "1.0.0", "dependencies": {}}))
    (tmp_path / "server.js").write_text("require('http').createServer((q, s) => s.end('ok')).listen(3000)\n")
    init = run_cli("init", cwd=tmp_path)
    assert init.exit_code == 0, init.stderr
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace(f'name = "{tmp_path.name}"', f'name = "{project_name}"'))
    assert "FROM node:18-slim" in run_cli("render", cwd=tmp_path).stdout
    r = run_cli("lock", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    data = json.loads((tmp_path / "devparity.lock").read_text())
    assert data["runtime"]["language"] == "node"
    assert data["runtime"]["in_image"].startswith("18.")
    built = builder.ensure(plan.for_project(project.load(config_path=toml)), with_source=False)
    attrs = engine.api.inspect_image(built.id)  # type: ignore[attr-defined]
    assert attrs["Config"]["Cmd"] == ["node", "server.js"]
    assert attrs["Config"]["User"] == "app"
