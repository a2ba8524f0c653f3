"""`devparity prune` keeps what `up` and running containers need, and only that."""

from __future__ import annotations

from pathlib import Path

from tests.support import python_project, run_cli


def project_images(client: object, name: str) -> set[str]:
    return {i["Id"] for i in client.api.images(filters={"label": [f"devparity.project={name}"]})}  # type: ignore[attr-defined]


def build(root: Path) -> str:
    r = run_cli("build", "-q", cwd=root)
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_prune_keeps_current_and_in_use_images(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name, port=18640)
    app = tmp_path / "app.py"
    first = build(tmp_path)
    app.write_text(app.read_text().replace('"v1"', '"v2"'))
    second = build(tmp_path)
    app.write_text(app.read_text().replace('"v2"', '"v3"'))
    third = build(tmp_path)
    assert len({first, second, third}) == 3
    # a container of the project running the oldest image keeps it alive
    engine.api.create_container(first, labels={"devparity.project": project_name, "devparity.role": "dev"})  # type: ignore[attr-defined]

    dry = run_cli("prune", "--dry-run", cwd=tmp_path)
    assert dry.exit_code == 0 and "would remove 1 image" in dry.stderr
    assert project_images(engine, project_name) == {first, second, third}

    r = run_cli("prune", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert project_images(engine, project_name) == {first, third}
    assert "nothing to prune" in run_cli("prune", cwd=tmp_path).stderr
