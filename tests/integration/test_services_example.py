"""Issue 8's must-show, end to end: examples/services (a web process and a
queue worker from one image, Postgres and Redis as services) against the
real engine, the seeded postgres:15 and redis:7 (scripts/engine) and the
local registry.

Each test copies the example under its own project name and free ports, so
nothing here depends on 8000/9000 or on another test's containers; the
``project_name`` fixture removes every container and image of the project,
and ``leftovers`` the networks and volumes."""

from __future__ import annotations

import contextlib
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import config, labels, roles
from tests.support import REPO, Up, cli_process, edit, free_port, get, wait_for_text
from tests.support.registry import REGISTRY, build_variant, forget_repo, push

pytestmark = pytest.mark.engine

EXAMPLE = REPO / "examples" / "services"
# The first `up` of a project builds the image (psycopg and redis from PyPI)
# and runs initdb on a fresh volume: minutes on a loaded machine.
FIRST_UP = 600


def example(root: Path, name: str, *, cache_image: str | None = None) -> tuple[Path, int, int]:
    """examples/services copied to ``root`` as project ``name`` with free dev
    and prod ports; returns (root, dev port, prod port)."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "devparity.lock"))
    dev_port, prod_port = free_port(), free_port()
    toml = root / "devparity.toml"
    edit(toml, 'name = "services"', f'name = "{name}"')
    edit(toml, 'reload = "restart"', f'reload = "restart"\nports = {{ 8000 = {dev_port} }}')
    if cache_image:
        edit(toml, 'image = "redis:7"', f'image = "{cache_image}"')
    toml.write_text(toml.read_text() + f"\n[prod]\nports = {{ 8000 = {prod_port} }}\n")
    return root, dev_port, prod_port


def cli(root: Path, *args: str, ok: bool = True, timeout: float = FIRST_UP) -> Any:
    r = cli_process(*args, cwd=root, timeout=timeout)
    if ok:
        assert r.exit_code == 0, f"devparity {' '.join(args)}: {r.exit_code}\n{r.stdout}\n{r.stderr}"
    return r


def counts(page: str) -> dict[str, int]:
    """hits (Redis), rows (Postgres) and jobs done (the worker) on the page."""
    found = {key: re.search(rf"^{key} (\d+)", page, re.M) for key in ("hits", "rows", "jobs done")}
    assert all(found.values()), page
    return {key: int(m.group(1)) for key, m in found.items() if m}


def fetch(port: int) -> str:
    """One page (one request: one hit, one row, one job)."""
    return wait_for_text(port, "(postgres)", timeout=60)


def project_objects(engine: Any, name: str) -> dict[str, list[str]]:
    """Every container, network and volume of project ``name``: by label, and
    by name for what might carry none (named volumes, networks)."""
    api = engine.api
    label = {"label": [f"{labels.PROJECT}={name}"]}
    containers = [c["Names"][0] for c in api.containers(all=True, filters=label)]
    containers += [c["Names"][0] for c in api.containers(all=True, filters={"name": f"{name}-"})]
    networks = [n["Name"] for n in api.networks(filters=label)] + [
        n["Name"] for n in api.networks(names=[]) if n["Name"].startswith(f"{name}-")
    ]
    volumes = [v["Name"] for v in (api.volumes(filters=label) or {}).get("Volumes") or []]
    volumes += [v["Name"] for v in (api.volumes() or {}).get("Volumes") or [] if v["Name"].startswith(f"{name}-")]
    return {"containers": sorted(set(containers)), "networks": sorted(set(networks)), "volumes": sorted(set(volumes))}


def anonymous_volumes(engine: Any, name: str) -> list[str]:
    """The volumes the project's containers mount (an image's VOLUME without
    `data` in the config gets an unnamed one, which carries no label)."""
    out = []
    for c in engine.api.containers(all=True, filters={"label": [f"{labels.PROJECT}={name}"]}):
        out += [m["Name"] for m in c.get("Mounts") or [] if m.get("Type") == "volume"]
    return out


@pytest.fixture
def leftovers(engine: Any, project_name: str) -> Iterator[list[str]]:
    """Networks and volumes to remove after the test whatever happened (the
    containers go with ``project_name``); yields a list to add volumes to."""
    extra: list[str] = []
    yield extra
    api = engine.api
    for c in api.containers(all=True, filters={"label": [f"{labels.PROJECT}={project_name}"]}):
        with contextlib.suppress(Exception):
            api.remove_container(c["Id"], force=True, v=True)
    objects = project_objects(engine, project_name)
    for net in objects["networks"]:
        with contextlib.suppress(Exception):
            api.remove_network(net)
    for vol in objects["volumes"] + extra:
        with contextlib.suppress(Exception):
            api.remove_volume(vol, force=True)


@pytest.fixture
def ups() -> Iterator[list[Up]]:
    started: list[Up] = []
    yield started
    for u in started:
        u.close()


def test_up_serves_both_services_keeps_data_across_down_and_down_volumes_removes_all(
    engine: Any, project_name: str, leftovers: list[str], tmp_path: Path
) -> None:
    root, dev, prod = example(tmp_path / "app", project_name)
    cli(root, "lock")
    cli(root, "up", "all", "--detach")

    # the page's content comes from both services
    first = fetch(dev)
    assert "env development" in first
    assert counts(first)["hits"] == 1 and counts(first)["rows"] == 1, first
    fetch(dev)
    third = counts(fetch(dev))
    assert third["hits"] == 3 and third["rows"] == 3, third

    # dev and prod have their own db and cache: prod counts from 1
    prod_page = fetch(prod)
    assert "env production" in prod_page
    assert counts(prod_page)["hits"] == 1 and counts(prod_page)["rows"] == 1, prod_page
    assert counts(fetch(dev))["hits"] == 4

    # everything running (app, worker, db, cache in both roles) is at parity
    r = cli(root, "check", ok=False)
    assert r.exit_code == 0, r.stdout + r.stderr

    # down keeps the data volumes: dev's rows are still there after up
    leftovers += anonymous_volumes(engine, project_name)
    cli(root, "down")
    assert project_objects(engine, project_name)["containers"] == []
    cli(root, "up", "all", "--detach")
    again = counts(fetch(dev))
    assert again["rows"] == 5, again  # 4 before down + this request
    assert counts(fetch(prod))["rows"] == 2

    # down --volumes leaves no container, network or volume of the project
    mounted = anonymous_volumes(engine, project_name)
    assert mounted, "the services mount no volume"
    leftovers += mounted
    cli(root, "down", "--volumes")
    objects = project_objects(engine, project_name)
    assert objects == {"containers": [], "networks": [], "volumes": []}, objects
    present = {v["Name"] for v in (engine.api.volumes() or {}).get("Volumes") or []}
    assert present.isdisjoint(mounted), sorted(present & set(mounted))


def test_worker_pops_the_web_process_jobs_in_dev_and_reloads_on_an_edit(
    engine: Any, project_name: str, leftovers: list[str], ups: list[Up], tmp_path: Path
) -> None:
    root, dev, _prod = example(tmp_path / "app", project_name)
    cli(root, "lock")
    up = Up(root)
    ups.append(up)
    wait_for_text(dev, "(postgres)", timeout=FIRST_UP)
    # each request pushes a job; the worker records it in Postgres
    page = wait_for_text(dev, lambda p: "by w1" in p, timeout=60, poll=0.3)
    assert counts(page)["jobs done"] >= 1, page
    worker = roles.component_name(config.load(root / "devparity.toml"), "dev", "worker")
    before = engine.api.inspect_container(worker)

    edit(root / "worker.py", 'WORKER = "w1"', 'WORKER = "w2"')
    page = wait_for_text(dev, lambda p: "by w2" in p, timeout=60, poll=0.3)
    assert "env development" in page
    # reloaded like the app: the process restarted from the bind mount, the
    # container is the same one
    assert engine.api.inspect_container(worker)["Id"] == before["Id"]
    code, _took = up.interrupt(timeout=60)
    assert code == 0, up.stderr


@pytest.fixture
def cache_ref(engine: Any) -> Iterator[str]:
    """redis:7 pushed as a unique repository of the local registry."""
    repo = f"{REGISTRY}/dpt-{uuid.uuid4().hex[:8]}/redis"
    push(engine, "redis:7", f"{repo}:7")
    yield f"{repo}:7"
    forget_repo(engine, repo)


def test_check_names_cache_when_its_registry_tag_moves(
    engine: Any, project_name: str, leftovers: list[str], cache_ref: str, tmp_path: Path
) -> None:
    root, dev, _prod = example(tmp_path / "app", project_name, cache_image=cache_ref)
    cli(root, "lock")
    cli(root, "up", "--detach")
    assert counts(fetch(dev))["hits"] == 1
    r = cli(root, "check", ok=False)
    assert r.exit_code == 0, r.stdout + r.stderr

    # someone re-pushes 127.0.0.1:5000/.../redis:7 with other content
    push(engine, build_variant(engine, cache_ref, project_name), cache_ref)
    r = cli(root, "check", ok=False)
    assert r.exit_code == 1, r.stdout + r.stderr
    assert re.search(r"\bcache\b", r.stdout), r.stdout


def test_check_names_the_service_and_the_path_of_a_hand_edit_under_etc(
    engine: Any, project_name: str, leftovers: list[str], tmp_path: Path
) -> None:
    root, dev, _prod = example(tmp_path / "app", project_name)
    cli(root, "lock")
    cli(root, "up", "--detach")
    fetch(dev)  # rows written: the data directory changed, which is no drift
    r = cli(root, "check", ok=False)
    assert r.exit_code == 0, r.stdout + r.stderr

    cfg = config.load(root / "devparity.toml")
    db = engine.containers.get(roles.component_name(cfg, "dev", "db"))
    # /etc/debian_version is in the seeded image and the official one alike
    code, out = db.exec_run(["sh", "-c", "echo 12.99 > /etc/debian_version"], user="root")
    assert code == 0, out
    r = cli(root, "check", ok=False)
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "/etc/debian_version" in r.stdout, r.stdout
    assert re.search(r"\bdb\b", r.stdout), r.stdout
    assert get(dev) is not None  # check only reads: the app still serves
