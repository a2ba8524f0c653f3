"""Issue 9 on a real second engine (scripts/remote-engine): tcp://127.0.0.1:2375,
ssh:// through sshd on 127.0.0.1, and a Docker context, for `up`, `status` and
`down`; `[dev].source = "auto"` choosing sync on a project that engine cannot
see (and mount on one it can), an edit and a deletion synced before the reload."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Up, app_text, cli_process, free_port, python_project, wait_for_text
from tests.support.remote_engine import RemoteEngine

pytestmark = [pytest.mark.engine, pytest.mark.remote]


@pytest.fixture
def ups() -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def dev_container(remote: RemoteEngine, project: str) -> Any:
    client = remote.client()
    found = client.containers.list(all=True, filters={"label": [f"devparity.project={project}", "devparity.role=dev"]})
    assert len(found) == 1, found
    return found[0]


def wait_until(check: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def exists_in(container: Any, path: str) -> bool:
    return bool(container.exec_run(["test", "-e", path]).exit_code == 0)


def test_up_over_tcp_syncs_a_project_the_engine_cannot_see(
    remote: RemoteEngine, remote_project: tuple[str, Path], ups: list[Up]
) -> None:
    name, root = remote_project
    port = free_port()
    python_project(root, name, port=port)
    (root / "gone.txt").write_text("delete me\n")
    (root / ".env").write_text("TOKEN=never-copied\n")
    up = Up(root, env=remote.env("tcp"))
    ups.append(up)
    assert wait_for_text(port, "v1 development", timeout=240) == "v1 development\n"
    up.wait_for(r"tcp://127\.0\.0\.1:2375 cannot see .*: syncing it")
    up.wait_for(r"source: sync")

    c = dev_container(remote, name)
    assert not any(m["Destination"] == "/app" for m in c.attrs["Mounts"])  # no bind mount of the project
    owner = c.exec_run(["stat", "-c", "%u:%g", "/app/app.py", "/app"]).output.decode().split()
    assert owner == [f"{os.getuid()}:{os.getgid()}"] * 2
    assert exists_in(c, "/app/gone.txt") and not exists_in(c, "/app/.env")

    (root / "app.py").write_text(app_text("v2"))
    assert wait_for_text(port, "v2 development", timeout=30) == "v2 development\n"
    up.wait_for(r"reload #1 in \d+ ms")

    (root / "gone.txt").unlink()
    wait_until(lambda: not exists_in(c, "/app/gone.txt"))
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("X = 1\n")
    wait_until(lambda: exists_in(c, "/app/pkg/mod.py"))

    code, _ = up.interrupt(timeout=30)
    assert code == 0
    assert remote.client().containers.list(all=True, filters={"label": f"devparity.project={name}"}) == []


def test_auto_mounts_when_the_same_engine_sees_the_project(
    remote: RemoteEngine, remote_project: tuple[str, Path], tmp_path: Path
) -> None:
    name, _ = remote_project
    root = python_project(tmp_path / "seen", name, port=free_port())  # /tmp: the engine's namespace has it
    r = cli_process("up", "--detach", cwd=root, env=remote.env("tcp"), timeout=300)
    assert r.code == 0, r.stderr
    assert "source: sync" not in r.stderr
    c = dev_container(remote, name)
    assert [m["Source"] for m in c.attrs["Mounts"] if m["Destination"] == "/app"] == [str(root)]


def test_status_and_down_over_tcp_ssh_and_a_context(
    remote: RemoteEngine, remote_project: tuple[str, Path], tmp_path: Path
) -> None:
    name, root = remote_project
    python_project(root, name, port=free_port())
    ctx = remote.context_env(tmp_path / "docker-config")
    r = cli_process("up", "--detach", cwd=root, env=remote.env("tcp"), timeout=300)
    assert r.code == 0, r.stderr
    assert "source: sync" in r.stderr

    for env in (remote.env("tcp"), remote.env("ssh"), ctx):
        r = cli_process("status", cwd=root, env=env, timeout=60)
        assert r.code == 0, r.stderr
        assert f"{name}-dev-" in r.stdout + r.stderr, (env, r.stdout, r.stderr)
    # the shared engine has none of it
    r = cli_process("status", cwd=root, env={"DOCKER_HOST": "unix:///var/run/docker.sock"}, timeout=60)
    assert f"{name}-dev-" not in r.stdout + r.stderr

    r = cli_process("down", cwd=root, env=remote.env("ssh"), timeout=120)
    assert r.code == 0, r.stderr
    assert remote.client().containers.list(all=True, filters={"label": f"devparity.project={name}"}) == []

    r = cli_process("up", "--detach", cwd=root, env=ctx, timeout=300)
    assert r.code == 0, r.stderr
    assert len(remote.client().containers.list(filters={"label": f"devparity.project={name}"})) == 1
    r = cli_process("down", cwd=root, env=ctx, timeout=120)
    assert r.code == 0, r.stderr
    assert remote.client().containers.list(all=True, filters={"label": f"devparity.project={name}"}) == []
