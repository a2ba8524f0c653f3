"""Hostile inputs of the release commands (issue 9): a malformed or
tampered `release` section, a bad --registry, [release].registry or
--target, deploy and export without a release. Each is one line on stderr,
no traceback, the right exit code, and the value never echoed. No engine:
every case fails before one is asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity import release
from devparity.lock import content_digest
from tests.hostile.harness import BASE_TOML, assert_clean, make_project, run
from tests.support import lock_data

SECRET = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"


def _locked(root: Path, rel: dict[str, str] | None = None, *, seal: bool = True) -> None:
    data = lock_data(root)
    if rel is not None:
        data["release"] = rel
    if seal:
        data["digest"] = content_digest(data)
    (root / "devparity.lock").write_text(json.dumps(data))


def _release(root: Path, **over: str) -> dict[str, str]:
    data = lock_data(root)
    rel = {
        "registry": "127.0.0.1:5000", "repository": "127.0.0.1:5000/hostile", "tag": release.tag(data["inputs_hash"], data["inputs_hash"]),
        "digest": "sha256:" + "b" * 64, "image_id": "sha256:" + "c" * 64, "inputs_hash": data["inputs_hash"],
        "source": "sha256:" + "d" * 64, "fingerprint": "sha256:" + "e" * 64,
    }  # fmt: skip
    return {**rel, **over}


@pytest.mark.parametrize("cmd", [("deploy",), ("export", "k8s"), ("push", "--registry", "127.0.0.1:5000")])
def test_a_malformed_release_field_is_exit_2_named(tmp_path: Path, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    _locked(root, _release(root, digest=SECRET))
    assert_clean(run(root, *cmd), 2, secrets=(SECRET,), mentions=("release.digest",))


@pytest.mark.parametrize("cmd", [("deploy",), ("export", "k8s")])
def test_a_hand_edited_release_is_exit_1(tmp_path: Path, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    _locked(root, _release(root))
    data = json.loads((root / "devparity.lock").read_text())
    data["release"]["digest"] = "sha256:" + "f" * 64  # not resealed
    (root / "devparity.lock").write_text(json.dumps(data))
    assert_clean(run(root, *cmd), 1, mentions=("edited by hand",))


@pytest.mark.parametrize("cmd", [("deploy",), ("export", "k8s")])
def test_nothing_released_is_exit_1_pointing_at_push(tmp_path: Path, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    _locked(root)
    assert_clean(run(root, *cmd), 1, mentions=("devparity push",))


def test_a_stale_lock_is_exit_1_for_deploy(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    _locked(root, _release(root))
    (root / "requirements.txt").write_text("flask\n")
    assert_clean(run(root, "deploy"), 1, mentions=("stale", "requirements.txt"))


@pytest.mark.parametrize("registry", ["http://127.0.0.1:5000", f"reg/{SECRET}!", "a b"])
def test_a_bad_registry_is_exit_2_never_echoed(tmp_path: Path, registry: str) -> None:
    root = make_project(tmp_path / "p")
    _locked(root)
    assert_clean(run(root, "push", "--registry", registry), 2, secrets=(SECRET,), mentions=("--registry",))
    toml = BASE_TOML + f'\n[release]\nregistry = "{registry}"\n'
    cfg = make_project(tmp_path / "q", toml=toml)
    assert_clean(run(cfg, "push"), 2, secrets=(SECRET,), mentions=("release.registry",))


@pytest.mark.parametrize("target", ["k8s://ns/app", f"docker://{SECRET};rm", "swarm://", "swarm://a b"])
def test_a_bad_target_is_exit_2_never_echoed(tmp_path: Path, target: str) -> None:
    root = make_project(tmp_path / "p")
    _locked(root)
    assert_clean(run(root, "check", "--offline", "--target", target), 2, secrets=(SECRET,), mentions=("--target",))
    cfg = make_project(tmp_path / "q", toml=BASE_TOML + f"\n[check]\ntargets = [{json.dumps(target)}]\n")
    assert_clean(run(cfg, "check", "--offline"), 2, secrets=(SECRET,), mentions=("check.targets",))


SERVICE_TOML = BASE_TOML + '\n[services.cache]\nimage = "redis:7"\ndata = "/data"\n'


def _with_services(root: Path, services: dict[str, object] | None, *, seal: bool = True) -> None:
    """A lock pinning [services.cache] local-only, with a release (and its
    ``services`` section, when given)."""
    data = lock_data(root, local=("cache",))
    rel: dict[str, object] = dict(_release(root))
    if services is not None:
        rel["services"] = services
    data["release"] = rel
    if seal:
        data["digest"] = content_digest(data)
    (root / "devparity.lock").write_text(json.dumps(data))


def _pushed(root: Path, **over: str) -> dict[str, str]:
    pin = lock_data(root, local=("cache",))["services"]["cache"]["digest"]
    entry = {"repository": "127.0.0.1:5000/hostile-cache", "tag": release.service_tag(pin), "digest": "sha256:" + "a" * 64, "image_id": pin}
    return {**entry, **over}


@pytest.mark.parametrize(("key", "named"), [("digest", "release.services.cache.digest"), ("repository", "release.services.cache.repository")])
def test_a_malformed_released_service_is_exit_2_named(tmp_path: Path, key: str, named: str) -> None:
    root = make_project(tmp_path / "p", toml=SERVICE_TOML)
    _with_services(root, {"cache": _pushed(root, **{key: f"{SECRET}!"})})
    for cmd in (("deploy",), ("push", "--registry", "127.0.0.1:5000"), ("check", "--offline")):
        assert_clean(run(root, *cmd), 2, secrets=(SECRET,), mentions=(named,))


def test_a_released_service_that_is_not_its_pin_is_a_hand_edit(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=SERVICE_TOML)
    _with_services(root, {"cache": _pushed(root, image_id="sha256:" + "9" * 64)})  # resealed: only the pin check sees it
    assert_clean(run(root, "deploy"), 1, mentions=("edited by hand", "release.services.cache"))


def test_a_local_only_service_never_pushed_is_exit_1_for_deploy(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=SERVICE_TOML)
    _with_services(root, None)
    assert_clean(run(root, "deploy"), 1, mentions=("service cache", "devparity push"))


def test_a_service_changed_since_the_lock_is_stale_for_deploy_and_push(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=SERVICE_TOML)
    _with_services(root, {"cache": _pushed(root)})
    (root / "devparity.toml").write_text(SERVICE_TOML.replace("redis:7", "redis:7.2"))
    for cmd in (("deploy",), ("push", "--registry", "127.0.0.1:5000")):
        assert_clean(run(root, *cmd), 1, mentions=("stale", "[services.cache].image"))
