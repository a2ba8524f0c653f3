"""`up --wait` and the loopback trap (issue 11, points 7 and 9a) against the
real engine: the first request after `up --detach --wait` succeeds with no
retry; an app bound to 127.0.0.1 inside its container gets one warning
naming the fix, and one bound to 0.0.0.0 none; after a plain `up --detach`,
`status` reports the trap."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Up, cli_process, get, python_project
from tests.support.app import APP_PY
from tests.support.web import free_port

pytestmark = pytest.mark.engine

LOOPBACK_APP = APP_PY.replace('("0.0.0.0"', '("127.0.0.1"')
TRAP = "inside its container"


@pytest.fixture
def ups(project_name: str) -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def test_detach_wait_returns_with_the_app_answering(project_name: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    assert cli_process("build", "-q", cwd=root).code == 0
    r = cli_process("up", "--detach", "--wait", cwd=root)
    assert r.code == 0, r.stderr
    # no retry: one request, right away
    assert get(port, timeout=5) == "v1 development\n"
    assert "ready: dev answering" in r.stderr
    assert TRAP not in r.stderr


def test_loopback_app_gets_one_warning_and_wait_fails_naming_it(project_name: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    (root / "app.py").write_text(LOOPBACK_APP)
    r = cli_process("up", "--detach", "--wait", "--wait-timeout", "4", cwd=root)
    assert r.code == 3, r.stderr
    warnings = [line for line in r.stderr.splitlines() if TRAP in line]
    assert len(warnings) == 1, r.stderr
    assert f"127.0.0.1:{port}" in warnings[0] and "0.0.0.0" in warnings[0]
    assert "did not answer" in r.stderr and "within 4s" in r.stderr


def test_foreground_warns_about_loopback_without_wait(project_name: str, tmp_path: Path, ups: list[Up]) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    (root / "app.py").write_text(LOOPBACK_APP)
    up = Up(root)
    ups.append(up)
    line = up.wait_for(TRAP, timeout=120).string
    assert "0.0.0.0" in line and f":{port}" in line


def test_foreground_wait_prints_ready_and_no_warning(project_name: str, tmp_path: Path, ups: list[Up]) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    up = Up(root, "--wait")
    ups.append(up)
    up.wait_for(r"ready: dev answering", timeout=120)
    assert get(port, timeout=5) == "v1 development\n"
    assert TRAP not in up.stderr


def _status(root: Path) -> dict[str, Any]:
    r = cli_process("status", "--json", cwd=root)
    assert r.code == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def test_status_reports_the_loopback_trap_after_a_plain_detach(project_name: str, tmp_path: Path) -> None:
    """`up --detach` returns before the app listens, so it cannot say; the
    next `status` does (issue 11, point 9a), in text and in --json."""
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    (root / "app.py").write_text(LOOPBACK_APP)
    r = cli_process("up", "--detach", cwd=root)
    assert r.code == 0, r.stderr
    assert TRAP not in r.stderr  # it returned before the app started
    deadline = time.monotonic() + 60
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        rows = [c for c in _status(root)["containers"] if c["kind"] == "app"]
        if rows and rows[0]["loopback_only"]:
            break
        time.sleep(0.2)
    assert len(rows) == 1 and rows[0]["loopback_only"], rows
    trap = rows[0]["loopback_only"][0]
    assert trap["container_port"] == port and trap["address"] == "127.0.0.1"
    assert "0.0.0.0" in trap["fix"] and f":{port}" in trap["message"]
    text = cli_process("status", cwd=root)
    assert text.code == 0
    warnings = [line for line in text.stderr.splitlines() if TRAP in line]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0], text.stderr


def test_status_says_nothing_of_an_app_bound_to_every_interface(project_name: str, tmp_path: Path) -> None:
    port = free_port()
    root = python_project(tmp_path / "app", project_name, port=port)
    assert cli_process("up", "--detach", "--wait", cwd=root).code == 0
    rows = [c for c in _status(root)["containers"] if c["kind"] == "app"]
    assert len(rows) == 1 and rows[0]["loopback_only"] == [], rows
    text = cli_process("status", cwd=root)
    assert text.code == 0 and TRAP not in text.stderr, text.stderr
