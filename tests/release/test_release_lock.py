"""The lock's ``release`` section (issue 9): its shape, its consistency
with the lock, its survival across `devparity lock`, the release tag and
fingerprint hash, the config keys and the --target grammar. No engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity import config, lock, lockschema, release, targetref
from devparity.errors import ConfigError, LockError
from devparity.release import Release
from tests.support import python_project
from tests.support.project import lock_data

D = "sha256:" + "a" * 64


def _release(data: dict, **over: str) -> Release:
    fields = dict(
        registry="127.0.0.1:5000",
        repository="127.0.0.1:5000/app",
        tag=release.tag(data["inputs_hash"], D),
        digest="sha256:" + "b" * 64,
        image_id="sha256:" + "d" * 64,
        inputs_hash=data["inputs_hash"],
        source=D,
        fingerprint="sha256:" + "e" * 64,
    )
    fields.update(over)
    return Release(**fields)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return python_project(tmp_path / "app", "app", port=8000)


def _written(root: Path, data: dict) -> lock.Lock:
    cfg = config.load(root / "devparity.toml")
    lock.write(cfg, data)
    got = lock.read(cfg)
    assert got is not None
    return got


def test_a_release_is_recorded_sealed_and_read_back(root: Path) -> None:
    data = lock_data(root)
    rel = _release(data)
    lk = _written(root, lock.with_release(lock.Lock(data), rel))
    assert lk.release == rel and lk.problems == ()
    assert lk.release.ref == f"127.0.0.1:5000/app@{'sha256:' + 'b' * 64}"
    # the lock's digest covers the release: editing it by hand shows
    raw = json.loads((root / "devparity.lock").read_text())
    raw["release"]["digest"] = "sha256:" + "f" * 64
    (root / "devparity.lock").write_text(json.dumps(raw))
    edited = lock.read(config.load(root / "devparity.toml"))
    assert edited is not None and any("digest" in p for p in edited.problems)


def test_a_release_of_other_inputs_is_a_hand_edit(root: Path) -> None:
    data = lock_data(root)
    lk = _written(root, lock.with_release(lock.Lock(data), _release(data, inputs_hash=D)))
    assert "`release.inputs_hash` is not `inputs_hash`" in lk.problems


@pytest.mark.parametrize(
    ("field", "bad", "named"),
    [
        ("digest", "latest", "release.digest"),
        ("tag", "a b", "release.tag"),
        ("registry", "http://x", "release.registry"),
        ("repository", "elsewhere.io/app", "release.repository"),
    ],
)
def test_a_malformed_release_field_is_named_never_echoed(root: Path, field: str, bad: str, named: str) -> None:
    data = lock_data(root)
    rel = _release(data).as_dict()
    rel[field] = bad
    sealed = {**data, "release": rel}
    with pytest.raises(LockError) as err:
        lockschema.validate({**sealed, "digest": lock.content_digest(sealed)}, "devparity.lock")
    assert f"`{named}`" in str(err.value) and bad not in str(err.value).replace(f"`{named}`", "")


def test_an_unknown_release_key_is_refused(root: Path) -> None:
    data = lock_data(root)
    sealed = {**data, "release": {**_release(data).as_dict(), "extra": "x"}}
    with pytest.raises(LockError, match="release.extra"):
        lockschema.validate(sealed, "devparity.lock")


def test_lock_make_keeps_a_release_of_the_same_inputs_only(root: Path) -> None:
    data = lock_data(root)
    rel = _release(data)
    cfg = config.load(root / "devparity.toml")
    from devparity import inputs
    from devparity.pin import BasePin

    ins = inputs.compute(cfg, "sha256:" + "c" * 64)
    pin = BasePin(data["base"]["ref"], "sha256:" + "c" * 64, "registry", None)
    kept = lock.make(cfg, ins, pin, runtime_in_image="3.11.9", fingerprint=data["fingerprint"], salt=data["salt"], release=rel)
    assert kept["release"] == rel.as_dict()
    other = _release(data, inputs_hash=D)
    dropped = lock.make(cfg, ins, pin, runtime_in_image="3.11.9", fingerprint=data["fingerprint"], salt=data["salt"], release=other)
    assert "release" not in dropped


def test_tag_and_fingerprint_hash() -> None:
    assert release.tag("sha256:" + "1" * 64, "sha256:" + "2" * 64) == "1" * 24 + "-" + "2" * 24
    fp = {"schema": 1, "packages": {"pip": {"idna": "3.7"}}, "config": {"env": {"A": "1"}}}
    same = release.fingerprint_hash({**fp, "image_id": "sha256:" + "9" * 64, "ref": "x", "kind": "image", "base": None})
    assert release.fingerprint_hash(fp) == same
    assert release.fingerprint_hash({**fp, "packages": {"pip": {"idna": "3.6"}}}) != same
    assert release.repository("127.0.0.1:5000/", "Hello") == "127.0.0.1:5000/hello"


def test_release_registry_and_check_targets_are_validated(root: Path) -> None:
    toml = root / "devparity.toml"
    base = toml.read_text()
    toml.write_text(base + '\n[release]\nregistry = "127.0.0.1:5000"\n\n[check]\ntargets = ["swarm://app", "docker://tcp://127.0.0.1:2375"]\n')
    cfg = config.load(toml)
    assert cfg.release_registry == "127.0.0.1:5000"
    assert cfg.check_targets == ("swarm://app", "docker://tcp://127.0.0.1:2375")
    toml.write_text(base + '\n[release]\nregistry = "http://reg istry"\n')
    with pytest.raises(ConfigError, match="release.registry"):
        config.load(toml)
    toml.write_text(base + '\n[check]\ntargets = ["k9s://nope"]\n')
    with pytest.raises(ConfigError, match="check.targets"):
        config.load(toml)


@pytest.mark.parametrize(
    ("text", "kind", "host", "context", "service"),
    [
        ("docker://", "docker", None, None, None),
        ("docker://tcp://127.0.0.1:2375", "docker", "tcp://127.0.0.1:2375", None, None),
        ("docker://ssh://me@box", "docker", "ssh://me@box", None, None),
        ("docker://prod-ctx", "docker", None, "prod-ctx", None),
        ("swarm://web", "swarm", None, None, "web"),
        ("swarm://web@unix:///run/dp/docker.sock", "swarm", "unix:///run/dp/docker.sock", None, "web"),
        ("swarm://web@ssh://me@box", "swarm", "ssh://me@box", None, "web"),
    ],
)
def test_targets_parse(text: str, kind: str, host: str | None, context: str | None, service: str | None) -> None:
    t = targetref.parse(text)
    assert (t.kind, t.engine.host, t.engine.context, t.service) == (kind, host, context, service)


@pytest.mark.parametrize("text", ["swarm://", "swarm://@tcp://x:1", "docker://tcp://", "k8s://ns/d", "docker://a b", "docker://x;y"])
def test_bad_targets_are_refused(text: str) -> None:
    with pytest.raises(targetref.TargetError):
        targetref.parse(text)
