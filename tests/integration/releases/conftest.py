"""Fixtures of the release tests (issue 9): a namespace of the local
registry, a locked project, and for the Swarm tests a single-node swarm on
a private engine (tests/support/swarm.py), never the shared one."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port, python_project
from tests.support.registry import REGISTRY, forget_repo, lock_project
from tests.support.swarm import SwarmEngine, remove_networks_and_volumes


@pytest.fixture
def registry(engine: Any) -> Iterator[str]:
    """A namespace of the local registry of its own, forgotten afterwards."""
    try:
        urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the local registry at {REGISTRY} is not usable: {exc}")
        pytest.skip(f"the local registry at {REGISTRY} is not usable: {exc}")
    ns = f"{REGISTRY}/dpr{uuid.uuid4().hex[:8]}"
    yield ns
    repos = {ref.rsplit(":", 1)[0] for img in engine.api.images() for ref in img.get("RepoTags") or [] if ref.startswith(ns + "/")}
    for repo in repos:
        forget_repo(engine, repo)


@pytest.fixture
def project(tmp_path: Path, project_name: str) -> Path:
    root = python_project(tmp_path / "app", project_name, port=free_port())
    lock_project(root)
    return root


def _unusable() -> str | None:
    if os.geteuid() != 0:
        return "the Swarm tests start a private dockerd and need root"
    if not shutil.which("dockerd") or not shutil.which("docker"):
        return "the Swarm tests need dockerd and the docker CLI (scripts/engine installs them)"
    if subprocess.run(["docker", "-H", "unix:///var/run/docker.sock", "version"], capture_output=True).returncode:
        return "the Swarm tests seed their engine from the shared one; run scripts/engine"
    return None


@pytest.fixture(scope="session")
def swarm_engine() -> Iterator[SwarmEngine]:
    reason = _unusable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    eng = SwarmEngine()
    try:
        eng.up()
        yield eng
    finally:
        eng.down()


@pytest.fixture
def swarm(swarm_engine: SwarmEngine, project_name: str) -> Iterator[SwarmEngine]:
    """The swarm; this test's services, networks and volumes (by project
    label) go afterwards."""
    yield swarm_engine
    swarm_engine.remove_services(project_name)
    remove_networks_and_volumes(swarm_engine, project_name)
