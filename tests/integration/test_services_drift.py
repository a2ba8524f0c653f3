"""Services in the lock and in the gate (issue 8), against the real engine
and the local registry: `lock` pins a service image pushed to the registry
by its digest and a local-only one by its id; `check` names a service whose
tag moved, whose container was changed by hand, or that runs another image
in dev than in prod."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import project as project_mod
from devparity.pin import service_image
from tests.support import free_port, python_project, run_cli
from tests.support.registry import REGISTRY, build_variant, forget_repo, lock_project, push

STAND_IN = "python:3.11-slim"  # a small local image standing in for a service


@pytest.fixture
def cache_ref(engine: Any) -> Iterator[str]:
    """The stand-in pushed as a unique repository of the local registry."""
    repo = f"{REGISTRY}/dpt-{uuid.uuid4().hex[:8]}/cache"
    try:
        push(engine, STAND_IN, f"{repo}:7")
    except Exception as exc:  # noqa: BLE001 - any failure means no registry
        pytest.skip(f"the local registry at {REGISTRY} is not usable: {exc}")
    yield f"{repo}:7"
    forget_repo(engine, repo)


@pytest.fixture
def local_ref(engine: Any, project_name: str) -> str:
    """An image only this engine has (labelled with the project for cleanup)."""
    image_id = build_variant(engine, STAND_IN, project_name)
    engine.api.tag(image_id, f"{project_name}-db", "15")
    return f"{project_name}-db:15"


def services_toml(cache: str, db: str) -> str:
    return f"""
[services.cache]
image = "{cache}"
command = ["sleep", "infinity"]

[services.db]
image = "{db}"
env = {{ POSTGRES_PASSWORD = "dev" }}
data = "/var/lib/data"
command = ["sleep", "infinity"]
"""


@pytest.fixture
def project(tmp_path: Path, project_name: str, cache_ref: str, local_ref: str) -> Path:
    root = python_project(tmp_path / "app", project_name, port=free_port(), extra_toml=services_toml(cache_ref, local_ref))
    lock_project(root)
    return root


def test_lock_pins_registry_and_local_only_service_images(project: Path, cache_ref: str, local_ref: str, engine: Any) -> None:
    data = json.loads((project / "devparity.lock").read_text())
    cache, db = data["services"]["cache"], data["services"]["db"]
    assert cache["source"] == "registry" and cache["digest"] == engine.images.get_registry_data(cache_ref).id
    local_id = engine.images.get(local_ref).id
    assert (db["source"], db["local_only"], db["digest"]) == ("local", True, local_id)
    # each service's fingerprint, read from its image's files
    assert db["fingerprint"]["os"]["id"] == "debian" and "/re-pushed.txt" not in json.dumps(db["fingerprint"])
    assert db["fingerprint"]["base"] == {"ref": local_ref, "digest": local_id}
    assert "dpkg" in cache["fingerprint"]["packages"]
    p = project_mod.load(project)
    by_name = {s.name: s for s in p.config.services}
    assert service_image(p, by_name["cache"]) == f"{cache_ref.rsplit(':', 1)[0]}@{cache['digest']}"
    assert service_image(p, by_name["db"]) == local_id
    assert engine.images.get(service_image(p, by_name["cache"])).id == engine.images.get(cache_ref).id
    assert run_cli("lock", "--check", cwd=project).exit_code == 0
