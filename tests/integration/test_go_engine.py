"""Go, the third runtime, against the real engine (issue 10): a net/http
project goes through init, lock, up (an edit is served after a rebuild in
the dev container), up prod --detach and check (0 with dev and prod
running, then 1 naming go.mod once a requirement changes); its fingerprint
lists the Go version and the local module read from the binary's build info.

Nothing is downloaded: golang:1.19 is seeded by scripts/engine, and the
projects need no module from the network (stdlib only, or a dependency that
go.mod replaces by a directory of the project)."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity.drift import fingerprint
from tests.support import Up, cli_process, edit, run_cli, wait_for_text, write_files

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "go-hello"
STDLIB_MAIN = """\
    package main

    import (
    \t"net/http"
    \t"os"
    )

    func main() {
    \thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
    \t\tw.Write([]byte("std v1 " + os.Getenv("APP_ENV") + "\\n"))
    \t})
    \thttp.ListenAndServe(":"+os.Getenv("PORT"), nil)
    }
    """


def free_port_pair() -> int:
    """A port free on 127.0.0.1 whose prod twin (+1000) is free too."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 1000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1000))
            except OSError:
                continue
        return port
    raise AssertionError("no free port pair")


@pytest.fixture
def go_image(engine: Any) -> None:
    if not engine.images.list(name="golang:1.19"):
        pytest.skip("golang:1.19 is not seeded (run scripts/engine)")


@pytest.fixture
def ups(project_name: str) -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def init(root: Path, name: str, port: int) -> None:
    r = cli_process("init", "--port", str(port), cwd=root)
    assert r.exit_code == 0, r.stderr
    toml = (root / "devparity.toml").read_text()
    assert 'language = "go"' in toml and 'version = "1.19"' in toml
    # a unique project name, and the app's port in its env
    toml = toml.replace(f'name = "{root.name}"', f'name = "{name}"', 1)
    toml = toml.replace('env = { APP_ENV = "production" }', f'env = {{ APP_ENV = "production", PORT = "{port}" }}', 1)
    (root / "devparity.toml").write_text(toml)


def test_go_net_http_init_lock_up_prod_check(
    go_image: None, engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root = tmp_path / "go-hello"
    shutil.copytree(EXAMPLE, root)
    (root / "devparity.toml").unlink()  # init writes it
    port = free_port_pair()
    init(root, project_name, port)
    r = cli_process("lock", cwd=root)
    assert r.exit_code == 0, r.stderr

    up = Up(root)
    ups.append(up)
    try:
        wait_for_text(port, "v1 development", timeout=300)
    except AssertionError:
        raise AssertionError(up.stderr) from None
    edit(root / "greet" / "greet.go", '"v1 %s\\n"', '"v2 %s\\n"')
    wait_for_text(port, "v2 development", timeout=60)
    up.wait_for(r"reload #1 in \d+ ms")

    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    # prod runs the image's binary, as the image's non-root user
    assert wait_for_text(port + 1000, " production", timeout=60).endswith(" production\n")
    prod = [
        c
        for c in engine.containers.list(filters={"label": f"devparity.project={project_name}"})
        if c.labels["devparity.role"] == "prod"
    ]
    assert len(prod) == 1 and prod[0].attrs["Config"]["User"] == "app"  # the image's non-root user
    assert prod[0].attrs["Config"]["Cmd"] == ["/opt/app/app"]

    r = run_cli("check", cwd=root)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "parity: 0 errors" in r.stdout

    # the fingerprint reads the binary's build info: Go version, local module
    r = cli_process("snapshot", "prod", cwd=root)
    assert r.exit_code == 0, r.stderr
    fp = json.loads(r.stdout)
    assert fp["runtimes"]["go"].startswith("1.19.")
    assert fp["packages"]["go"] == {"example.com/greet": "v0.1.0 => ./greet"}

    # a requirement changes while up runs: up rebuilds, the lock is stale
    mark = len(up.err)
    edit(root / "go.mod", "require example.com/greet v0.1.0", "require example.com/greet v0.2.0")
    up.wait_for(r"rebuild: ", timeout=300, start=mark)
    r = run_cli("check", cwd=root)
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "go.mod" in r.stdout

    code, _took = up.interrupt()
    assert code == 0, up.stderr
    cli_process("down", cwd=root)


def test_stdlib_only_project_builds_offline_and_serves_prod(
    go_image: None, engine: Any, project_name: str, tmp_path: Path
) -> None:
    root = tmp_path / "std"
    write_files(root, {"go.mod": "module example.com/std\n\ngo 1.19\n", "main.go": STDLIB_MAIN})
    port = free_port_pair()
    init(root, project_name, port)
    dockerfile = cli_process("render", cwd=root)
    if dockerfile.exit_code == 0:  # the Dockerfile never asks the network
        assert "GOPROXY=off" in dockerfile.stdout and "go mod download" not in dockerfile.stdout
    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert wait_for_text(port + 1000, "std v1 production", timeout=120)
    image = [c for c in engine.containers.list(filters={"label": f"devparity.project={project_name}"})][0].image.id
    fp = fingerprint.fingerprint_image(image, use_cache=False)
    assert fp["runtimes"]["go"].startswith("1.19.")
    assert "go" not in fp["packages"]  # stdlib only: no module linked in
    cli_process("down", cwd=root)
