"""Fingerprints against the real engine: python:3.11-slim, a container with a
writable-layer change and a bind mount, and the image cache.

Every container created here (test containers and probes) carries a unique
``devparity.project`` label and is removed by that label in teardown.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity.drift import diff as drift_diff
from devparity.drift import fingerprint
from devparity.engine import LABEL_PROJECT, archive, images
from devparity.errors import EngineUnavailable, ImageNotFound

pytestmark = pytest.mark.engine

IMAGE = "python:3.11-slim"


def _unavailable(msg: str) -> None:
    # locally a missing engine is a skip with a how-to; in CI it must fail
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def docker_client() -> Any:
    """The devparity engine client, with IMAGE present locally."""
    from devparity import engine

    try:
        c = engine.client()
    except EngineUnavailable as exc:
        _unavailable(str(exc))
    try:
        images.inspect(IMAGE)
    except ImageNotFound:
        _unavailable(f"{IMAGE} is not loaded in the engine; scripts/engine imports it")
    return c


@pytest.fixture
def project(docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A unique project label and a private cache dir; removes every container with the label after."""
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(tmp_path / "cache"))
    name = f"dpt-fp-{uuid.uuid4().hex[:8]}"
    yield name
    for c in docker_client.containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={name}"}):
        c.remove(force=True, v=True)


def _labelled(docker_client: Any, project: str) -> list[Any]:
    return list(docker_client.containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={project}"}))


def test_image_fingerprint_of_python_slim(docker_client: Any, project: str) -> None:
    fp = fingerprint.fingerprint_image(IMAGE, project=project)
    assert (fp["schema"], fp["kind"], fp["ref"]) == (1, "image", IMAGE)
    assert fp["image_id"].startswith("sha256:")
    assert fp["os"]["id"] == "debian" and fp["os"]["version_id"] == "12"
    assert fp["runtimes"]["python"].startswith("3.11.")
    assert "node" not in fp["runtimes"]
    assert "python3" in fp["packages"]["dpkg"]
    assert "pip" in fp["packages"]["pip"]
    assert fp["config"]["cmd"] == ["/bin/bash"] and "PATH" in fp["config"]["env"]
    assert fp["base"] is None
    assert _labelled(docker_client, project) == [], "the probe container was not removed"


def test_second_image_fingerprint_comes_from_cache(project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = fingerprint.fingerprint_image(IMAGE, project=project)

    def no_reads(*args: object, **kwargs: object) -> None:
        raise AssertionError("the archive API was used on a cache hit")

    monkeypatch.setattr(archive, "open_reader", no_reads)
    warm = fingerprint.fingerprint_image(IMAGE, project=project)
    assert warm == cold
    # one entry per image and salt (masks depend on the salt)
    (cached,) = Path(os.environ["DEVPARITY_CACHE_DIR"], "fingerprints").glob(f"{cold['image_id']}.*.json")
    assert json.loads(cached.read_text()) == cold


def test_container_fingerprint_sees_writable_layer_and_mounts(docker_client: Any, project: str, tmp_path: Path) -> None:
    # the host side of the mount lacks three of the five files the image has there
    host_dir = tmp_path / "doc"
    host_dir.mkdir()
    (host_dir / "copyright").write_text("x")
    (host_dir / "README.Debian").write_text("x")
    container = docker_client.containers.run(
        IMAGE,
        ["sleep", "300"],
        detach=True,
        labels={LABEL_PROJECT: project},
        environment={"API_TOKEN": "s3cret-value", "APP_ENV": "dev"},
        volumes={str(host_dir): {"bind": "/usr/share/doc/python3", "mode": "rw"}},
        network_disabled=True,
    )
    result = container.exec_run(
        ["sh", "-c", "echo drift > /srv/drift.txt && touch /tmp/scratch /usr/share/doc/python3/in-mount"]
    )
    assert result.exit_code == 0, result.output

    fp = fingerprint.fingerprint_container(container.id, project=project)

    assert fp["kind"] == "container" and fp["image_id"] == container.image.id
    assert {"path": "/srv/drift.txt", "kind": "A"} in fp["changes"]
    assert not [c for c in fp["changes"] if c["path"].startswith(("/tmp", "/usr/share/doc/python3"))]
    assert fp["hidden_paths"] == [
        "/usr/share/doc/python3/changelog.Debian.amd64.gz",
        "/usr/share/doc/python3/changelog.Debian.gz",
        "/usr/share/doc/python3/python-policy.txt.gz",
    ]
    assert [m["destination"] for m in fp["mounts"]] == ["/usr/share/doc/python3"]
    assert "s3cret-value" not in json.dumps(fp)
    assert fp["config"]["env"]["API_TOKEN"].startswith("<masked:")

    changes = drift_diff.diff(fingerprint.fingerprint_image(IMAGE, project=project), fp)
    assert drift_diff.Change("changes", "/srv/drift.txt", "added", None, "A") in changes
    assert drift_diff.Change("env", "APP_ENV", "added", None, "dev") in changes
    assert [c.category for c in changes if c.category == "package"] == []
