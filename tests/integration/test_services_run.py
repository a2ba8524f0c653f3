"""Backing services at run time (issue 8) against the real engine, with a
stand-in service: python:3.11-slim serving its data directory with
``python -m http.server`` (the seeded postgres:15/redis:7 images are the
end-to-end tests' business). Every project is removed by label afterwards,
networks and volumes included (``project_name``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import identity, roles
from devparity import config as config_mod
from tests.support import Up, cli_process, edit, free_port, python_project, wait_for_text

pytestmark = pytest.mark.engine

SECRET = "svc-secret-value-0123456789"
# A service that serves /data on 8000 and exits with 5 once /tmp/crash
# exists (removed at each start: the container's own file system outlives a restart).
DB = f"""
[services.db]
image = "python:3.11-slim"
command = "rm -f /tmp/crash; python -m http.server 8000 --directory /data & while [ ! -f /tmp/crash ]; do sleep 0.2; done; echo going down; exit 5"
ready = {{ tcp = 8000, timeout = 30 }}
data = "/data"
env = {{ DB_PASSWORD = "{SECRET}" }}
"""


@pytest.fixture
def ups() -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def project(tmp_path: Path, name: str, extra: str = DB) -> tuple[Path, int]:
    port = free_port()
    return python_project(tmp_path / "app", name, port=port, extra_toml=extra), port


def dp(root: Path, *args: str, **kw: Any) -> Any:
    return cli_process(*args, cwd=root, **kw)


def of_project(engine: Any, name: str) -> dict[str, list[str]]:
    """The names of the project's containers, networks and volumes."""
    label = {"label": [f"devparity.project={name}"]}
    return {
        "containers": sorted(c["Names"][0].lstrip("/") for c in engine.api.containers(all=True, filters=label)),
        "networks": sorted(n["Name"] for n in engine.api.networks(filters=label)),
        "volumes": sorted(v["Name"] for v in (engine.api.volumes(filters=label) or {}).get("Volumes") or []),
    }


def test_up_starts_the_service_first_the_app_reaches_it_by_name_and_a_crash_is_reported(
    engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root, port = project(tmp_path, project_name)
    up = Up(root)
    ups.append(up)
    wait_for_text(port, "v1 development", timeout=180)
    ready = up.wait_for(r"service dev/db ready \([\d.]+s after its start\)")
    app_line = up.wait_for(r"dev\s+http://127\.0\.0\.1:\d+")
    assert up.err.index(ready.string) < up.err.index(app_line.string)  # the service before the app

    reach = "import urllib.request; print(urllib.request.urlopen('http://db:8000/', timeout=5).status)"
    r = dp(root, "exec", "dev", "--", "python", "-c", reach)
    assert (r.exit_code, r.stdout.strip()) == (0, "200"), r.stderr

    st = dp(root, "status")
    assert re.search(r"^dev\s+db\s+" + re.escape(roles.component_name(config_mod.load(root / "devparity.toml"), "dev", "db")),
                     st.stdout, re.M), st.stdout
    assert re.search(r"^dev\s+app\s+", st.stdout, re.M), st.stdout
    r = dp(root, "exec", "db", "--", "sh", "-c", "echo kept > /data/row.txt && cat /data/row.txt")
    assert (r.exit_code, r.stdout.strip()) == (0, "kept"), r.stderr
    logs = dp(root, "logs", "db")
    assert logs.exit_code == 0 and '"GET / HTTP/1.1" 200' in logs.stdout, logs.stdout + logs.stderr

    mark = len(up.err)
    assert dp(root, "exec", "db", "--", "touch", "/tmp/crash").exit_code == 0
    up.wait_for(r"crash: service dev/db exited \(exit code 5\); the engine restarts it", timeout=20, start=mark)
    up.wait_for(r"going down", timeout=5, start=mark)  # its last lines
    assert SECRET not in up.stderr and SECRET not in "\n".join(up.out)
    # restarted by the engine: still reachable by name, its data kept
    r = dp(root, "exec", "dev", "--", "python", "-c", reach.replace("/'", "/row.txt'"))
    for _ in range(50):
        if r.exit_code == 0:
            break
        r = dp(root, "exec", "dev", "--", "python", "-c", reach.replace("/'", "/row.txt'"))
    assert (r.exit_code, r.stdout.strip()) == (0, "200"), r.stderr
    assert up.proc.poll() is None  # a service crash does not end `up`

    code, _ = up.interrupt(timeout=30)
    assert code == 0, up.stderr
    left = of_project(engine, project_name)
    assert left["containers"] == [] and left["networks"] == [], left
    assert left["volumes"] == [roles.component_name(config_mod.load(root / "devparity.toml"), "dev", "db") + "-data"]


def test_a_service_that_is_never_ready_fails_up_with_exit_3_and_its_last_lines(
    engine: Any, project_name: str, tmp_path: Path
) -> None:
    slow = f"""
[services.db]
image = "python:3.11-slim"
command = ["sh", "-c", "echo starting the db; echo password {SECRET}; sleep 300"]
ready = {{ tcp = 5999, timeout = 2 }}
env = {{ DB_PASSWORD = "{SECRET}" }}
"""
    root, port = project(tmp_path, project_name, slow)
    r = dp(root, "up", "--detach", timeout=300)
    assert r.exit_code == 3, r.stderr
    assert "Traceback" not in r.output
    assert "starting the db" in r.stderr
    assert SECRET not in r.output
    last = r.stderr.strip().splitlines()[-1]
    assert "service dev/db was not ready within 2s" in last and "devparity logs dev/db" in last
    # the app never started
    assert not [c for c in of_project(engine, project_name)["containers"] if c == f"{project_name}-dev-{identity.short(identity.checkout_id(root))}"]

    ends = """
[services.db]
image = "python:3.11-slim"
command = ["sh", "-c", "echo bad config; exit 4"]
ready = { tcp = 5999, timeout = 60 }
"""
    edit(root / "devparity.toml", slow, ends)
    r = dp(root, "up", "--detach", timeout=120)
    assert r.exit_code == 3, r.stderr
    assert "bad config" in r.stderr and "service dev/db exited" in r.stderr.strip().splitlines()[-1]


def test_dev_and_prod_keep_their_own_data_down_keeps_it_and_down_volumes_leaves_nothing(
    engine: Any, project_name: str, tmp_path: Path
) -> None:
    root, port = project(tmp_path, project_name)
    r = dp(root, "up", "all", "--detach", timeout=300)
    assert r.exit_code == 0, r.stderr
    first = {c: engine.api.inspect_container(c)["Id"] for c in of_project(engine, project_name)["containers"]}
    assert len(first) == 4, first  # dev and prod, each an app and a db

    assert dp(root, "exec", "db", "--", "sh", "-c", "echo dev-row > /data/row.txt").exit_code == 0
    r = dp(root, "exec", "prod/db", "--", "ls", "/data")
    assert (r.exit_code, r.stdout.strip()) == (0, ""), r.stderr  # prod's data is its own

    # a second `up` keeps the running, unchanged services
    r = dp(root, "up", "all", "--detach", timeout=120)
    assert r.exit_code == 0, r.stderr
    assert "service dev/db ready (kept running)" in r.stderr
    again = {c: engine.api.inspect_container(c)["Id"] for c in of_project(engine, project_name)["containers"]}
    svc = roles.component_name(config_mod.load(root / "devparity.toml"), "dev", "db")
    assert again[svc] == first[svc]

    r = dp(root, "down")
    assert r.exit_code == 0, r.stderr
    left = of_project(engine, project_name)
    assert left["containers"] == [] and left["networks"] == []
    assert len(left["volumes"]) == 2, left

    r = dp(root, "up", "--detach", timeout=120)
    assert r.exit_code == 0, r.stderr
    r = dp(root, "exec", "db", "--", "cat", "/data/row.txt")
    assert (r.exit_code, r.stdout.strip()) == (0, "dev-row"), r.stderr  # kept across down and up

    r = dp(root, "down", "--volumes")
    assert r.exit_code == 0, r.stderr
    assert of_project(engine, project_name) == {"containers": [], "networks": [], "volumes": []}


def test_a_changed_service_is_recreated_and_unknown_words_are_refused(
    engine: Any, project_name: str, tmp_path: Path
) -> None:
    root, port = project(tmp_path, project_name)
    assert dp(root, "up", "--detach", timeout=300).exit_code == 0
    svc = roles.component_name(config_mod.load(root / "devparity.toml"), "dev", "db")
    before = engine.api.inspect_container(svc)["Id"]
    edit(root / "devparity.toml", f'DB_PASSWORD = "{SECRET}"', f'DB_PASSWORD = "{SECRET}", MODE = "b"')
    r = dp(root, "up", "--detach", timeout=120)
    assert r.exit_code == 0, r.stderr
    after = engine.api.inspect_container(svc)
    assert after["Id"] != before and "MODE=b" in after["Config"]["Env"]

    for word in ("nothing", "prod/nothing", "stage/db"):
        r = dp(root, "logs", word)
        assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = dp(root, "logs", "prod/db")
    assert r.exit_code == 3 and "no prod/db service container" in r.stderr, r.stderr
    r = dp(root, "exec", "prod/db", "--", "true")
    assert r.exit_code == 3 and "no running prod/db service container" in r.stderr, r.stderr
    assert dp(root, "down").exit_code == 0


def test_a_network_name_held_by_a_stranger_is_refused(engine: Any, project_name: str, tmp_path: Path) -> None:
    root, port = project(tmp_path, project_name)
    name = roles.network_name(config_mod.load(root / "devparity.toml"), "dev")
    net = engine.api.create_network(name, labels={"devparity.project": project_name})  # no checkout label
    try:
        r = dp(root, "up", "--detach", timeout=300)
        assert r.exit_code == 3, r.stderr
        assert len(r.stderr.strip().splitlines()[-1:]) == 1 and "not this checkout's" in r.stderr
        r = dp(root, "down", "--volumes")
        assert r.exit_code == 0
        assert [n["Name"] for n in engine.api.networks(names=[name])] == [name]  # a stranger's stays
    finally:
        engine.api.remove_network(net["Id"])


def test_an_image_volume_is_named_and_labelled_so_down_volumes_removes_it(
    engine: Any, project_name: str, tmp_path: Path
) -> None:
    import io

    tag = f"{project_name}-volimage:1"
    dockerfile = f"FROM python:3.11-slim\nVOLUME /cache\nLABEL devparity.project={project_name}\n"
    for _ in engine.api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True, decode=True):
        pass
    extra = f"""
[services.cache]
image = "{tag}"
command = ["sleep", "300"]
"""
    root, port = project(tmp_path, project_name, extra)
    r = dp(root, "up", "--detach", timeout=300)
    assert r.exit_code == 0, r.stderr
    cfg = config_mod.load(root / "devparity.toml")
    mounts = engine.api.inspect_container(roles.component_name(cfg, "dev", "cache"))["Mounts"]
    assert [(m["Type"], m["Destination"]) for m in mounts] == [("volume", "/cache")]
    assert mounts[0]["Name"].startswith(roles.component_name(cfg, "dev", "cache") + "-vol-")  # not anonymous
    assert dp(root, "down", "--volumes").exit_code == 0
    assert of_project(engine, project_name) == {"containers": [], "networks": [], "volumes": []}
    assert mounts[0]["Name"] not in {v["Name"] for v in (engine.api.volumes() or {}).get("Volumes") or []}


def test_a_ready_command_is_waited_for_and_a_missing_image_is_named(engine: Any, project_name: str, tmp_path: Path) -> None:
    plain = """
[services.queue]
image = "python:3.11-slim"
command = ["sleep", "300"]
"""
    later = """
[services.queue]
image = "python:3.11-slim"
command = ["sh", "-c", "sleep 5; touch /tmp/ready; sleep 300"]
ready = { command = ["test", "-f", "/tmp/ready"], timeout = 30 }
"""
    root, port = project(tmp_path, project_name, plain)
    assert dp(root, "up", "--detach", timeout=300).exit_code == 0  # builds the app's image
    assert dp(root, "down").exit_code == 0
    edit(root / "devparity.toml", plain, later)
    r = dp(root, "up", "--detach", timeout=300)
    assert r.exit_code == 0, r.stderr
    # `up` returned only once the file existed (the app's image was cached: no build to hide the wait)
    assert dp(root, "exec", "queue", "--", "test", "-f", "/tmp/ready").exit_code == 0
    took = re.search(r"service dev/queue ready \(([\d.]+)s after its start\)", r.stderr)
    assert took and float(took.group(1)) >= 4.9, r.stderr
    assert dp(root, "down").exit_code == 0

    missing = f"127.0.0.1:5000/{project_name}/nothing:1"
    edit(root / "devparity.toml", 'image = "python:3.11-slim"', f'image = "{missing}"')
    r = dp(root, "up", "--detach", timeout=120)
    assert r.exit_code == 3, r.stderr
    assert "Traceback" not in r.output
    last = r.stderr.strip().splitlines()[-1]
    assert "service queue's image" in last and missing in last and "could not be pulled" in last, r.stderr


def test_a_failed_build_in_a_foreground_up_leaves_no_service_behind(engine: Any, project_name: str, tmp_path: Path) -> None:
    root, port = project(tmp_path, project_name)
    (root / "requirements.txt").write_text("--no-index\nno-such-package-for-devparity==1.0\n")
    r = dp(root, "up", timeout=300)  # the services start while the image is built
    assert r.exit_code == 3, r.stderr
    assert "build failed" in r.stderr.strip().splitlines()[-1]
    left = of_project(engine, project_name)
    assert left["containers"] == [] and left["networks"] == [], left
