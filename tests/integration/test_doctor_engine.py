"""`devparity doctor` against the real engine (issue 11): ready on this
machine for a small project; exit 1 naming the address and the fix when
DOCKER_HOST points at nothing; engine checks alone without a config."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.support import free_port
from tests.support.cli import cli_process
from tests.support.project import python_project, unique_name


def test_ready_for_a_small_project(tmp_path: Path) -> None:
    root = python_project(tmp_path / "p", unique_name(), port=free_port())
    result = cli_process("doctor", "--json", cwd=root, timeout=60)
    assert result.code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ready"] is True and doc["schema"] == 1
    statuses = {c["name"]: c["status"] for c in doc["checks"]}
    assert statuses["engine"] == "ok" and statuses["project-dir"] == "ok" and statuses["ports"] == "ok"
    assert not [c for c in doc["checks"] if c["status"] == "problem"]
    assert not list(root.glob(".devparity-sees-*"))  # the probe's marker is gone


def test_a_taken_port_is_a_problem_with_a_fix(tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "p", unique_name(), port=port)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = cli_process("doctor", cwd=root, timeout=60)
    assert result.code == 1, result.output
    assert f"host port {port}" in result.stdout and "fix:" in result.stdout


def test_engine_at_a_closed_port_exits_1_naming_address_and_fix(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    root = python_project(tmp_path / "p", unique_name(), port=free_port())
    result = cli_process("doctor", cwd=root, env={"DOCKER_HOST": address}, timeout=60)
    assert result.code == 1, result.output
    assert f"no Docker engine answers at {address}" in result.stdout
    assert "fix: " in result.stdout and "DOCKER_HOST" in result.stdout
    assert "Traceback" not in result.output


def test_without_a_config_only_the_engine_is_checked(tmp_path: Path) -> None:
    result = cli_process("doctor", "--json", cwd=tmp_path, timeout=60)
    assert result.code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["project"] is None
    assert {c["name"] for c in doc["checks"]} == {"engine", "storage", "clock"}
    assert "engine checks only" in cli_process("doctor", cwd=tmp_path, timeout=60).stdout
