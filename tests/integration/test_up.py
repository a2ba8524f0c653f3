"""`devparity up` and the lifecycle commands against the real engine.

Every test runs the CLI in a subprocess on its own app port (181xx; prod
+1000), and everything labelled with its project is removed afterwards
(``project_name``)."""

from __future__ import annotations

import grp
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Up, cli_process, edit, get, make_wheel, python_project, wait_for_text

pytestmark = pytest.mark.engine


@pytest.fixture
def ups(project_name: str) -> Iterator[list[Up]]:
    """`up` processes to kill after the test (before its containers are removed)."""
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def start(ups: list[Up], root: Path, *args: str, **kw: Any) -> Up:
    u = Up(root, *args, **kw)
    ups.append(u)
    return u


def containers_of(engine: Any, project: str) -> list[dict[str, Any]]:
    return engine.api.containers(all=True, filters={"label": [f"devparity.project={project}"]})


def only(engine: Any, project: str, role: str = "dev") -> dict[str, Any]:
    found = [c for c in containers_of(engine, project) if c["Labels"]["devparity.role"] == role]
    assert len(found) == 1, found
    return engine.api.inspect_container(found[0]["Id"])


def test_serves_on_loopback_reloads_the_process_and_ctrl_c_cleans_up(
    engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root = python_project(tmp_path / "app", project_name, port=18101)
    up = start(ups, root)
    assert wait_for_text(18101, "v1 development", timeout=120) == "v1 development\n"

    attrs = only(engine, project_name)
    assert [b["HostIp"] for b in attrs["HostConfig"]["PortBindings"]["18101/tcp"]] == ["127.0.0.1"]
    assert attrs["HostConfig"]["Init"] is True
    assert attrs["Config"]["Labels"]["devparity.role"] == "dev"
    assert attrs["Config"]["Labels"]["devparity.inputs"].startswith("sha256:")

    edit(root / "app.py", 'VERSION = "v1"', 'VERSION = "v2"')
    wait_for_text(18101, "v2 development", timeout=5)
    up.wait_for(r"reload #1 in \d+ ms")
    again = only(engine, project_name)
    # the app process restarted, not the container
    assert again["Id"] == attrs["Id"]
    assert again["State"]["StartedAt"] == attrs["State"]["StartedAt"]

    code, took = up.interrupt()
    assert code == 0, up.stderr
    assert took < 10
    assert containers_of(engine, project_name) == []


def test_dependency_change_rebuilds_and_a_failed_rebuild_keeps_serving(
    engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root = python_project(tmp_path / "app", project_name, port=18102)
    make_wheel(root, "dpdep", module_text='V = "dep-ok"\n')
    edit(
        root / "devparity.toml",
        'files = ["requirements.txt"]',
        'files = ["requirements.txt", "dpdep-1.0-py3-none-any.whl"]',
    )
    up = start(ups, root)
    wait_for_text(18102, "v1 development", timeout=120)
    first = only(engine, project_name)["Id"]
    probe = ("exec", "dev", "--", "python", "-c", "import dpdep; print(dpdep.V)")
    assert cli_process(*probe, cwd=root).exit_code != 0  # not a dependency yet

    mark = len(up.err)
    (root / "requirements.txt").write_text("./dpdep-1.0-py3-none-any.whl\n")
    up.wait_for(r"rebuild: built \w+ in .*; recreated dev", timeout=180, start=mark)
    wait_for_text(18102, "v1 development")
    second = only(engine, project_name)["Id"]
    assert second != first
    r = cli_process(*probe, cwd=root)
    assert (r.exit_code, r.stdout.strip()) == (0, "dep-ok"), r.stderr

    mark = len(up.err)
    (root / "requirements.txt").write_text("--no-index\nno-such-package-for-devparity==1.0\n")
    up.wait_for(r"the old container keeps serving", timeout=180, start=mark)
    assert get(18102) == "v1 development\n"
    still = only(engine, project_name)
    assert still["Id"] == second and still["State"]["Running"]
    assert up.proc.poll() is None

    mark = len(up.err)  # the next save tries again (this environment's image exists)
    (root / "requirements.txt").write_text("./dpdep-1.0-py3-none-any.whl\n")
    up.wait_for(r"rebuild: image \w+ \(cached\); containers unchanged", timeout=60, start=mark)
    wait_for_text(18102, "v1 development")


def test_crash_is_reported_and_the_next_change_recovers(
    engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root = python_project(tmp_path / "app", project_name, port=18103)
    up = start(ups, root)
    wait_for_text(18103, "v1 development", timeout=120)

    mark = len(up.err)
    edit(root / "app.py", "import os, http.server", 'import os, http.server, sys\nprint("about to fail")\nsys.exit(3)')
    up.wait_for(r"crash: the dev app exited with code 3", start=mark)
    up.wait_for(r"about to fail", start=mark)  # its last lines come with the report
    assert "about to fail" in up.out
    assert up.proc.poll() is None
    assert get(18103) is None

    mark = len(up.err)
    edit(root / "app.py", 'print("about to fail")\nsys.exit(3)', "")
    wait_for_text(18103, "v1 development", timeout=10)
    up.wait_for(r"restart after the crash, #\d+ in \d+ ms", start=mark)
    assert only(engine, project_name)["State"]["Running"]


def test_prod_on_older_source_says_so_and_build_bakes_the_current(engine: Any, project_name: str, tmp_path: Path) -> None:
    root = python_project(tmp_path / "app", project_name, port=18107)
    r = cli_process("up", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert "baked into image" not in r.stderr  # dev mounts the live source: nothing to say
    edit(root / "app.py", 'VERSION = "v1"', 'VERSION = "v2"')
    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert "prod runs the source baked into image" in r.stderr and "`devparity build`" in r.stderr
    assert wait_for_text(19107, "production", timeout=30) == "v1 production\n"
    assert cli_process("build", "-q", cwd=root).exit_code == 0
    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert "baked into image" not in r.stderr
    assert wait_for_text(19107, "v2 production", timeout=30) == "v2 production\n"


def test_dev_and_prod_run_side_by_side_from_one_image(engine: Any, project_name: str, tmp_path: Path) -> None:
    root = python_project(tmp_path / "app", project_name, port=18104)
    r = cli_process("up", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    wait_for_text(18104, "v1 development", timeout=30)
    edit(root / "app.py", 'VERSION = "v1"', 'VERSION = "v2"')  # source edits do not make prod a new image
    r = cli_process("up", "prod", "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert wait_for_text(19104, "production", timeout=30) == "v1 production\n"  # prod's baked-in source
    r = cli_process("exec", "dev", "--", "grep", "-c", 'VERSION = "v2"', "app.py", cwd=root)
    assert (r.exit_code, r.stdout.strip()) == (0, "1"), r.stderr  # dev sees the live source

    dev, prod = only(engine, project_name, "dev"), only(engine, project_name, "prod")
    assert dev["Image"] == prod["Image"]
    assert prod["Config"]["User"] == engine.api.inspect_image(prod["Image"])["Config"]["User"] == "app"
    assert prod["Mounts"] == []  # its own baked-in source
    assert dev["Config"]["User"] == f"{os.getuid()}:{os.getgid()}"
    assert [b["HostIp"] for b in prod["HostConfig"]["PortBindings"]["18104/tcp"]] == ["127.0.0.1"]

    r = cli_process("status", "--json", cwd=root)
    assert r.exit_code == 0, r.stderr
    import json

    doc = json.loads(r.stdout)
    assert doc["schema"] == 1 and doc["project"] == project_name
    rows = {c["role"]: c for c in doc["containers"]}
    assert set(rows) == {"dev", "prod"}
    assert rows["dev"]["image"] == rows["prod"]["image"] == dev["Image"]
    assert rows["prod"]["ports"] == [{"host_ip": "127.0.0.1", "host_port": 19104, "container": 18104}]
    assert all(c["state"] == "running" and c["uptime_s"] is not None for c in rows.values())

    r = cli_process("logs", "dev", cwd=root)
    assert r.exit_code == 0 and "[devparity] app started (pid" in r.stdout, r.stderr

    # the init process: SIGTERM stops either container well inside docker's 10 s
    for attrs in (dev, prod):
        t0 = time.monotonic()
        engine.api.stop(attrs["Id"], timeout=10)
        assert time.monotonic() - t0 < 2

    r = cli_process("down", cwd=root)
    assert r.exit_code == 0, r.stderr
    assert containers_of(engine, project_name) == []
    r = cli_process("status", cwd=root)
    assert r.exit_code == 0 and "no containers" in r.stderr
    assert cli_process("logs", "prod", cwd=root).exit_code == 3  # nothing to show: a named error, no traceback


def test_second_up_is_refused_and_orphans_are_replaced(
    engine: Any, project_name: str, ups: list[Up], tmp_path: Path
) -> None:
    root = python_project(tmp_path / "app", project_name, port=18105)
    first = start(ups, root)
    wait_for_text(18105, "v1 development", timeout=120)

    for args in (("up",), ("up", "dev", "--detach"), ("up", "all")):
        r = cli_process(*args, cwd=root)
        assert r.exit_code == 2, (args, r.stderr)
        assert f"devparity up is already running for {project_name} (pid {first.proc.pid})" in r.stderr
    assert len(containers_of(engine, project_name)) == 1

    first.proc.kill()  # a killed session leaves its container behind
    first.proc.wait()
    orphan = only(engine, project_name)["Id"]
    second = start(ups, root)
    second.wait_for(r"dev\s+http://127\.0\.0\.1:18105", timeout=60)
    assert only(engine, project_name)["Id"] != orphan
    wait_for_text(18105, "v1 development")
    code, _ = second.interrupt()
    assert code == 0
    assert containers_of(engine, project_name) == []


@pytest.fixture
def nonroot_dirs() -> Iterator[tuple[Path, Path]]:
    """A project dir and a cache dir outside pytest's root-only temp tree."""
    base = Path(tempfile.mkdtemp(prefix="devparity-nonroot-"))
    base.chmod(0o755)
    yield base / "app", base / "cache"
    shutil.rmtree(base, ignore_errors=True)


def test_files_the_app_writes_belong_to_the_host_user(
    engine: Any, project_name: str, nonroot_dirs: tuple[Path, Path]
) -> None:
    root, cache = nonroot_dirs
    python_project(
        root,
        project_name,
        port=18106,
        extra_toml='command = ["sh", "-c", "id -u > written-by-app.txt; exec python app.py"]\n',
    )
    cache.mkdir()
    if os.getuid() == 0:  # act as an ordinary user who may use the engine
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and util-linux's setpriv is missing")
        uid = gid = 65534
        try:
            docker_gid = grp.getgrnam("docker").gr_gid
        except KeyError:
            pytest.skip("the engine's socket has no docker group to grant a non-root user")
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", f"--groups={docker_gid}"]
        for p in (root, cache, *root.rglob("*")):
            os.chown(p, uid, gid)
    else:
        uid, gid, prefix = os.getuid(), os.getgid(), []
    env = {"HOME": str(cache), "DEVPARITY_CACHE_DIR": str(cache)}
    r = cli_process("up", "--detach", cwd=root, prefix=prefix, env=env)
    assert r.exit_code == 0, r.stderr
    wait_for_text(18106, "v1 development", timeout=30)
    written = root / "written-by-app.txt"
    assert written.read_text().strip() == str(uid)
    st = written.stat()
    assert (st.st_uid, st.st_gid) == (uid, gid)
    assert only(engine, project_name)["Config"]["User"] == f"{uid}:{gid}"
    r = cli_process("down", cwd=root, prefix=prefix, env=env)
    assert r.exit_code == 0, r.stderr
    assert containers_of(engine, project_name) == []
