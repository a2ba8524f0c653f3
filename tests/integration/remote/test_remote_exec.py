"""Reading a container's output through an ssh:// engine (issue 9 with
issue 11's loopback report): the SDK expects paramiko's channel under a
hijacked response (an exec's stream); through the system ssh client
(devparity/engine/ssh.py) it now reads ssh's stdout. `status` over ssh
reports an app bound to 127.0.0.1 inside its container (read by exec, the
engine not being local; the app and a service at once), and `exec` prints
the command's output."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import APP_PY, cli_process, free_port, python_project
from tests.support.remote_engine import RemoteEngine

pytestmark = [pytest.mark.engine, pytest.mark.remote]
LOOPBACK_APP = APP_PY.replace('("0.0.0.0"', '("127.0.0.1"')


def test_status_and_exec_over_ssh_read_the_containers_output(remote: RemoteEngine, remote_project: tuple[str, Path]) -> None:
    name, root = remote_project
    port = free_port()
    side = free_port()
    python_project(root, name, port=port, extra_toml=f"""
        [services.side]
        image = "python:3.11-slim"
        command = ["python", "-m", "http.server", "8124", "--bind", "127.0.0.1"]
        ports = {{ "8124" = {side} }}
        """)
    (root / "app.py").write_text(LOOPBACK_APP)
    ssh = remote.env("ssh")
    r = cli_process("up", "--detach", cwd=root, env=remote.env("tcp"), timeout=300)
    assert r.code == 0, r.stderr
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = cli_process("status", "--json", cwd=root, env=ssh, timeout=60)
        assert status.code == 0, status.stderr
        rows = json.loads(status.stdout)["containers"]
        if len(rows) == 2 and all(r["loopback_only"] for r in rows):
            break
        time.sleep(0.5)
    assert [(r["kind"], len(r["loopback_only"] or ())) for r in rows] == [("app", 1), ("service", 1)], rows
    assert rows[0]["loopback_only"][0]["address"] == "127.0.0.1"
    assert rows[1]["loopback_only"][0]["container_port"] == 8124 and "dev/side listens" in rows[1]["loopback_only"][0]["message"]
    text = cli_process("status", cwd=root, env=ssh, timeout=60)
    assert text.code == 0 and "Traceback" not in text.output, text.output
    assert len([line for line in text.stderr.splitlines() if "inside its container" in line]) == 2, text.stderr
    out = cli_process("exec", "--", "sh", "-c", "echo from-$((40 + 2))", cwd=root, env=ssh, timeout=60, stdin=None)
    assert out.code == 0 and out.stdout.strip() == "from-42", out.output
    assert cli_process("down", cwd=root, env=ssh, timeout=120).code == 0
