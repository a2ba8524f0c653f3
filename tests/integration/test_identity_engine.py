"""Checkout identity and container hardening against the real engine (issue 7,
finding 9): two clones with one [project].name leave each other alone, a
stranger running devparity's image is foreign, prod runs with no
capabilities and dev without new privileges.

Both clones share the test's project name, so ``project_name`` removes what
either made; a stranger's container inherits that label and goes too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import config, identity, roles
from tests.support import Up, cli_process, edit, free_port, get, python_project, wait_for_text

pytestmark = pytest.mark.engine


def clone(root: Path, name: str) -> tuple[Path, int, int]:
    """A project at ``root`` on free dev and prod ports; returns (root, dev, prod)."""
    dev, prod = free_port(), free_port()
    python_project(root, name, port=dev, extra_toml=f"\n[prod]\nports = {{ {dev} = {prod} }}\n")
    return root, dev, prod


def status(root: Path) -> dict[str, Any]:
    r = cli_process("status", "--json", cwd=root)
    assert r.exit_code == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def name_of(root: Path, role: str = "dev") -> str:
    return roles.name_for(config.load(root / "devparity.toml"), role)


def labelled(engine: Any, project: str) -> dict[str, dict[str, Any]]:
    return {c["Names"][0].lstrip("/"): c for c in engine.api.containers(all=True, filters={"label": f"devparity.project={project}"})}


def image_of(engine: Any, root: Path) -> str:
    return str(engine.api.inspect_container(name_of(root))["Image"])


@pytest.fixture
def ups(project_name: str) -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def test_two_clones_with_one_name_leave_each_other_alone(engine: Any, project_name: str, tmp_path: Path) -> None:
    a, a_port, _ = clone(tmp_path / "a", project_name)
    b, b_port, _ = clone(tmp_path / "b", project_name)
    for root in (a, b):
        r = cli_process("up", "--detach", cwd=root)
        assert r.exit_code == 0, r.stderr
    wait_for_text(a_port, "v1 development", timeout=60)
    wait_for_text(b_port, "v1 development", timeout=60)
    assert {name_of(a), name_of(b)} <= set(labelled(engine, project_name))

    # status in each: its own container, the other clone's as foreign (and where it lives)
    for mine, other in ((a, b), (b, a)):
        doc = status(mine)
        assert [c["name"] for c in doc["containers"]] == [name_of(mine)]
        assert [(f["name"], f["owner"]) for f in doc["foreign"]] == [(name_of(other), "checkout")]
        assert doc["foreign"][0]["config"] == str((other / "devparity.toml").resolve())
        text = cli_process("status", cwd=mine)
        assert "foreign" in text.stdout and str(other.resolve()) in text.stdout

    # check in a compares a's container only: drift seeded in b's is not a's finding
    assert cli_process("lock", cwd=a).exit_code == 0
    r = cli_process("exec", "dev", "--", "sh", "-c", "echo x > /usr/local/drift-in-b.txt", cwd=b)
    assert r.exit_code == 0, r.stderr
    r = cli_process("check", "--format", "json", cwd=a)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "drift-in-b" not in r.stdout and name_of(b) not in r.stdout
    # the control: the same drift in a's own container is found
    assert cli_process("exec", "dev", "--", "sh", "-c", "echo x > /usr/local/drift-in-a.txt", cwd=a).exit_code == 0
    r = cli_process("check", "--format", "json", cwd=a)
    assert r.exit_code == 1 and "drift-in-a" in r.stdout, r.stdout + r.stderr
    assert "drift-in-b" not in r.stdout

    # prune in a keeps b's images
    b_image = image_of(engine, b)
    assert cli_process("prune", cwd=a).exit_code == 0
    engine.api.inspect_image(b_image)

    # down in a leaves b serving
    r = cli_process("down", cwd=a)
    assert r.exit_code == 0, r.stderr
    assert "left alone: 1 foreign" in r.stderr
    names = labelled(engine, project_name)
    assert name_of(a) not in names and names[name_of(b)]["State"] == "running"
    assert get(b_port) == "v1 development\n"
    assert status(b)["foreign"] == []
    assert cli_process("down", cwd=b).exit_code == 0
    assert labelled(engine, project_name) == {}


def test_a_stranger_running_the_image_is_foreign_and_survives_down(engine: Any, project_name: str, tmp_path: Path) -> None:
    root, port, _ = clone(tmp_path / "app", project_name)
    assert cli_process("up", "--detach", cwd=root).exit_code == 0
    wait_for_text(port, "v1 development", timeout=60)
    # as a Dev Containers session or a plain `docker run` would: every label inherited
    stranger = engine.containers.run(image_of(engine, root), ["sleep", "300"], detach=True, name=f"{project_name}-stranger")
    assert stranger.labels["devparity.project"] == project_name
    assert stranger.labels["devparity.checkout"] == identity.checkout_id(root)

    doc = status(root)
    assert [c["name"] for c in doc["containers"]] == [name_of(root)]
    assert [(f["name"], f["owner"], f["role"]) for f in doc["foreign"]] == [(stranger.name, "other", "?")]
    assert "not created by devparity" in cli_process("status", cwd=root).stdout

    r = cli_process("down", cwd=root)
    assert r.exit_code == 0, r.stderr
    stranger.reload()
    assert stranger.status == "running"
    assert set(labelled(engine, project_name)) == {stranger.name}
    stranger.remove(force=True)


def test_prod_drops_every_capability_and_still_serves(engine: Any, project_name: str, tmp_path: Path) -> None:
    root, _, prod_port = clone(tmp_path / "app", project_name)
    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert "warning" not in r.stderr  # loopback only: nothing open to the network
    assert wait_for_text(prod_port, "v1 production", timeout=60) == "v1 production\n"
    host = engine.api.inspect_container(name_of(root, "prod"))["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    # nothing in it can gain a capability back: the bounding set is empty
    r = cli_process("exec", "prod", "--", "sh", "-c", "grep CapBnd /proc/self/status", cwd=root)
    assert r.exit_code == 0 and r.stdout.split()[-1] == "0000000000000000", r.stdout + r.stderr
    assert cli_process("down", cwd=root).exit_code == 0


def test_cap_add_keeps_the_listed_capability(engine: Any, project_name: str, tmp_path: Path) -> None:
    root, _, prod_port = clone(tmp_path / "app", project_name)
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace('command = ["python", "app.py"]', 'command = ["python", "app.py"]\ncap_add = ["NET_BIND_SERVICE"]'))
    assert cli_process("up", "prod", "--detach", cwd=root).exit_code == 0
    wait_for_text(prod_port, "v1 production", timeout=60)
    host = engine.api.inspect_container(name_of(root, "prod"))["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and host["CapAdd"] == ["NET_BIND_SERVICE"]
    assert cli_process("down", cwd=root).exit_code == 0


def test_dev_runs_without_new_privileges_and_reloads(engine: Any, project_name: str, ups: list[Up], tmp_path: Path) -> None:
    root, port, _ = clone(tmp_path / "app", project_name)
    up = Up(root)
    ups.append(up)
    wait_for_text(port, "v1 development", timeout=120)
    attrs = engine.api.inspect_container(name_of(root))
    assert attrs["HostConfig"]["SecurityOpt"] == ["no-new-privileges"]
    assert attrs["Config"]["Labels"]["devparity.created"].startswith("dev:")
    edit(root / "app.py", 'VERSION = "v1"', 'VERSION = "v2"')
    wait_for_text(port, "v2 development", timeout=10)
    up.wait_for(r"reload #1 in \d+ ms")
    r = cli_process("exec", "dev", "--", "sh", "-c", "grep NoNewPrivs /proc/self/status", cwd=root)
    assert r.exit_code == 0 and r.stdout.split()[-1] == "1", r.stdout + r.stderr
    code, _ = up.interrupt()
    assert code == 0, up.stderr
    assert labelled(engine, project_name) == {}
