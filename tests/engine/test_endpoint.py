"""Which engine devparity reaches (issue 9): the Docker CLI's order of
DOCKER_HOST, DOCKER_CONTEXT and config.json's currentContext, with contexts
read from the meta and TLS files the CLI writes. Pure: files in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity.engine import endpoint
from devparity.engine.endpoint import DEFAULT_HOST, Endpoint, Tls, resolve
from devparity.errors import EXIT_ENGINE, EngineUnavailable


def write_context(cfg: Path, name: str, host: str, *, skip_verify: bool = False, tls: bool = False) -> Path:
    meta = cfg / "contexts" / "meta" / endpoint.context_id(name)
    meta.mkdir(parents=True)
    body = {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}}
    (meta / "meta.json").write_text(json.dumps(body))
    if tls:
        d = cfg / "contexts" / "tls" / endpoint.context_id(name) / "docker"
        d.mkdir(parents=True)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            (d / f).write_text("x")
    return meta


def use(cfg: Path, name: str) -> None:
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))


def test_nothing_set_is_the_local_socket(tmp_path: Path) -> None:
    assert resolve({"HOME": str(tmp_path)}) == Endpoint(DEFAULT_HOST)


def test_the_context_id_is_the_sha256_of_its_name() -> None:
    # what `docker context create` names the directory (docker/cli store.contextdirOf)
    assert endpoint.context_id("default") == "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"


def test_current_context_from_config_json(tmp_path: Path) -> None:
    cfg = tmp_path / ".docker"
    write_context(cfg, "remote", "ssh://deploy@build-1")
    use(cfg, "remote")
    ep = resolve({"HOME": str(tmp_path)})
    assert ep == Endpoint("ssh://deploy@build-1", context="remote")
    assert ep.ssh and ep.address() == "ssh://deploy@build-1 (context remote)"


def test_docker_context_beats_config_json_and_docker_host_beats_both(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    write_context(cfg, "a", "tcp://10.0.0.1:2375")
    write_context(cfg, "b", "tcp://10.0.0.2:2375")
    use(cfg, "a")
    env = {"DOCKER_CONFIG": str(cfg), "HOME": "/nonexistent"}
    assert resolve(env).host == "tcp://10.0.0.1:2375"
    assert resolve({**env, "DOCKER_CONTEXT": "b"}).host == "tcp://10.0.0.2:2375"
    assert resolve({**env, "DOCKER_CONTEXT": "b", "DOCKER_HOST": "unix:///x.sock"}) == Endpoint("unix:///x.sock")


def test_the_default_context_means_the_environment(tmp_path: Path) -> None:
    cfg = tmp_path / ".docker"
    use(cfg, "default")
    assert resolve({"HOME": str(tmp_path), "DOCKER_CONTEXT": "default"}) == Endpoint(DEFAULT_HOST)


def test_context_tls_files_and_skip_verify(tmp_path: Path) -> None:
    cfg = tmp_path / ".docker"
    write_context(cfg, "secure", "tcp://h:2376", tls=True)
    write_context(cfg, "lax", "tcp://h:2376", tls=True, skip_verify=True)
    tls = resolve({"HOME": str(tmp_path), "DOCKER_CONTEXT": "secure"}).tls
    assert tls is not None and tls.verify and tls.ca and tls.ca.endswith("/docker/ca.pem")
    lax = resolve({"HOME": str(tmp_path), "DOCKER_CONTEXT": "lax"}).tls
    assert lax is not None and not lax.verify


def test_docker_tls_verify_reads_the_cert_path(tmp_path: Path) -> None:
    for f in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / f).write_text("x")
    env = {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    assert resolve(env).tls == Tls(
        True, str(tmp_path / "ca.pem"), str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    )
    assert resolve({"DOCKER_HOST": "tcp://h:2375", "DOCKER_TLS_VERIFY": ""}).tls is None


def test_tls_verify_without_a_ca_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable) as info:
        resolve({"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)})
    assert str(tmp_path) in str(info.value) and "DOCKER_CERT_PATH" in str(info.value)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("missing", ("context 'gone' does not exist", "docker context ls")),
        ("garbage", ("cannot read the Docker context 'gone'",)),
        ("no-endpoint", ("has no docker endpoint",)),
        ("bad-scheme", ("no Docker engine answers at bogus://x", "context 'gone'")),
    ],
)
def test_a_broken_context_is_exit_3_naming_it(tmp_path: Path, setup: str, words: tuple[str, ...]) -> None:
    cfg = tmp_path / ".docker"
    if setup != "missing":
        meta = write_context(cfg, "gone", "bogus://x")
        if setup == "garbage":
            (meta / "meta.json").write_text("{not json")
        elif setup == "no-endpoint":
            (meta / "meta.json").write_text(json.dumps({"Name": "gone", "Endpoints": {}}))
    with pytest.raises(EngineUnavailable) as info:
        resolve({"HOME": str(tmp_path), "DOCKER_CONTEXT": "gone"})
    assert info.value.exit_code == EXIT_ENGINE
    for w in words:
        assert w in str(info.value)


def test_an_unreadable_config_json_is_the_default(tmp_path: Path) -> None:
    cfg = tmp_path / ".docker"
    cfg.mkdir()
    (cfg / "config.json").write_text("{")
    assert resolve({"HOME": str(tmp_path)}) == Endpoint(DEFAULT_HOST)
