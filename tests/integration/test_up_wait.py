"""`up --wait` and the loopback trap (issue 11, points 7 and 9a) against the
real engine: the first request after `up --detach --wait` succeeds with no
retry; an app bound to 127.0.0.1 inside its container gets one warning
naming the fix, and one bound to 0.0.0.0 none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
