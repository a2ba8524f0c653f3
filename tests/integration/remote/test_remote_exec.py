"""Reading a container's output through an ssh:// engine (issue 9 with
issue 11's loopback report): the SDK expects paramiko's channel under a
hijacked response (an exec's stream); through the system ssh client
(devparity/engine/ssh.py) it now reads ssh's stdout. `status` over ssh
reports an app bound to 127.0.0.1 inside its container (read by exec, the
engine not being local), and `exec` prints the command's output."""

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
    python_project(root, name, port=port)
    (root / "app.py").write_text(LOOPBACK_APP)
    ssh = remote.env("ssh")
    r = cli_process("up", "--detach", cwd=root, env=remote.env("tcp"), timeout=300)
    assert r.code == 0, r.stderr
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = cli_process("status", "--json", cwd=root, env=ssh, timeout=60)
        assert status.code == 0, status.stderr
        rows = [c for c in json.loads(status.stdout)["containers"] if c["kind"] == "app"]
        if rows and rows[0]["loopback_only"]:
            break
        time.sleep(0.5)
    assert rows and rows[0]["loopback_only"], rows
    assert rows[0]["loopback_only"][0]["address"] == "127.0.0.1"
    text = cli_process("status", cwd=root, env=ssh, timeout=60)
    assert text.code == 0 and "inside its container" in text.stderr and "Traceback" not in text.output, text.output
    out = cli_process("exec", "--", "sh", "-c", "echo from-$((40 + 2))", cwd=root, env=ssh, timeout=60, stdin=None)
    assert out.code == 0 and out.stdout.strip() == "from-42", out.output
    assert cli_process("down", cwd=root, env=ssh, timeout=120).code == 0
