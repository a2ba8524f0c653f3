"""Hostile corpus, remote engines (issue 9): a DOCKER_HOST over tcp or ssh
that nothing answers, a context that does not exist or is broken. Every one
is exit 3 with one line naming the address (or the context) and what to
try; nothing is left in the project (the [dev].source probe's marker too)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devparity.engine import endpoint
from tests.hostile.harness import assert_clean, listing, make_project, run
from tests.support import free_port


@pytest.mark.parametrize("cmd", [("status",), ("up", "--detach"), ("down",)])
def test_tcp_nobody_listens(tmp_path: Path, cmd: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = f"tcp://127.0.0.1:{free_port()}"
    result = run(root, *cmd, env={"DOCKER_HOST": address})
    assert_clean(result, 3, mentions=(f"no Docker engine answers at {address}", "DOCKER_TLS_VERIFY"), root=root, before=before)


@pytest.mark.skipif(not shutil.which("ssh"), reason="needs the ssh client")
def test_ssh_refused_quotes_ssh_in_the_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = f"ssh://nobody@127.0.0.1:{free_port()}"
    result = run(root, "status", env={"DOCKER_HOST": address})
    assert_clean(result, 3, mentions=(f"no Docker engine answers at {address}", "ssh said", "Connection refused"), root=root, before=before)


def test_tls_verify_without_certificates(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    env = {"DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path / "none")}
    assert_clean(run(root, "status", env=env), 3, mentions=("ca.pem", "DOCKER_CERT_PATH"))


def test_a_missing_context(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    env = {"DOCKER_HOST": "", "DOCKER_CONTEXT": "nowhere", "DOCKER_CONFIG": str(tmp_path / "cfg")}
    assert_clean(run(root, "status", env=env), 3, mentions=("context 'nowhere' does not exist", "docker context ls"))


def test_the_current_context_points_nowhere(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    cfg = tmp_path / "cfg"
    meta = cfg / "contexts" / "meta" / endpoint.context_id("far")
    meta.mkdir(parents=True)
    address = f"tcp://127.0.0.1:{free_port()}"
    (meta / "meta.json").write_text(json.dumps({"Name": "far", "Endpoints": {"docker": {"Host": address}}}))
    (cfg / "config.json").write_text(json.dumps({"currentContext": "far"}))
    result = run(root, "status", env={"DOCKER_HOST": "", "DOCKER_CONTEXT": "", "DOCKER_CONFIG": str(cfg)})
    assert_clean(result, 3, mentions=(f"no Docker engine answers at {address} (context far)",))


def test_doctor_with_a_broken_config_is_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml="[project\nname = 1\n")
    before = listing(root)
    assert_clean(run(root, "doctor"), 2, mentions=("devparity.toml",), root=root, before=before)


def test_doctor_with_nobody_listening_is_exit_1_not_a_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    address = f"tcp://127.0.0.1:{free_port()}"
    result = run(root, "doctor", env={"DOCKER_HOST": address})
    assert_clean(result, 1, mentions=(f"no Docker engine answers at {address}",), one_line=False)
    assert result.stderr.strip() == ""
