"""`devparity export k8s` (issue 9): a Deployment and a Service of the
released image by digest, loaded with the `kubernetes` client's own models
and serialised back unchanged (a misspelt field would be dropped), with
env, ports and a non-root securityContext; secret env from a Secret, its
value never printed. No engine, no cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devparity import config, lock, release
from devparity.release import Release
from tests.support import python_project, run_cli
from tests.support.project import lock_data

kubernetes = pytest.importorskip("kubernetes")  # the test extras install it
TOKEN = "sk-live-0123456789abcdefghijklmnop"


def _load(doc: dict[str, Any], kind: str) -> Any:
    api = kubernetes.client.ApiClient()

    class Response:  # what the client's deserialize takes before version 33
        data = json.dumps(doc)

    try:
        model = api.deserialize(Response.data, kind, "application/json")  # from version 33: the text itself
    except TypeError:
        model = api.deserialize(Response(), kind)
    assert api.sanitize_for_serialization(model) == doc  # every field is the model's own
    return model


@pytest.fixture
def released(tmp_path: Path) -> tuple[Path, Release]:
    root = python_project(tmp_path / "app", "Shop.Web", port=8080)
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace('env = { APP_ENV = "production", PORT = "8080" }', f'env = {{ APP_ENV = "production", PORT = "8080", API_TOKEN = "{TOKEN}" }}'))
    data = lock_data(root)
    rel = Release(
        "127.0.0.1:5000", "127.0.0.1:5000/shop.web", release.tag(data["inputs_hash"], "sha256:" + "1" * 64),
        "sha256:" + "2" * 64, "sha256:" + "3" * 64, data["inputs_hash"], "sha256:" + "1" * 64, "sha256:" + "4" * 64,
    )  # fmt: skip
    lock.write(config.load(toml), lock.with_release(lock.Lock(data), rel))
    return root, rel


def test_export_k8s_loads_with_the_kubernetes_models(released: tuple[Path, Release]) -> None:
    root, rel = released
    r = run_cli("export", "k8s", "--replicas", "3", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert TOKEN not in r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["kind"] == "List" and [i["kind"] for i in doc["items"]] == ["Deployment", "Service"]
    dep = _load(doc["items"][0], "V1Deployment")
    svc = _load(doc["items"][1], "V1Service")
    assert dep.metadata.name == "shop-web" and dep.spec.replicas == 3
    c = dep.spec.template.spec.containers[0]
    assert c.image == f"127.0.0.1:5000/shop.web@{rel.digest}"  # by digest, never a tag
    assert c.args == ["python", "app.py"]
    assert {e.name: e.value for e in c.env if e.value_from is None} == {"APP_ENV": "production", "PORT": "8080"}
    secret = next(e for e in c.env if e.name == "API_TOKEN")
    assert secret.value is None and secret.value_from.secret_key_ref.name == "shop-web-env"
    assert [p.container_port for p in c.ports] == [8080]
    sc = c.security_context
    assert sc.run_as_non_root is True and sc.run_as_user != 0 and sc.allow_privilege_escalation is False
    assert sc.capabilities.drop == ["ALL"]
    assert dep.spec.template.spec.security_context.run_as_non_root is True
    assert dep.spec.selector.match_labels.items() <= dep.spec.template.metadata.labels.items()  # the pods match
    assert svc.spec.selector == dep.spec.selector.match_labels and [p.port for p in svc.spec.ports] == [8080]
    assert dep.metadata.annotations["devparity.release"] == rel.digest
    assert "API_TOKEN" in r.stderr and "shop-web-env" in r.stderr


def test_export_without_a_release_refuses(tmp_path: Path) -> None:
    root = python_project(tmp_path / "app", "app", port=8080)
    (root / "devparity.lock").write_text(json.dumps(lock_data(root)))
    r = run_cli("export", "k8s", cwd=root)
    assert r.exit_code == 1 and "devparity push" in r.stderr
