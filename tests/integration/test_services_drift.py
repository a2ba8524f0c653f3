"""Services in the lock and in the gate (issue 8), against the real engine
and the local registry: `lock` pins a service image pushed to the registry
by its digest and a local-only one by its id; `check` names a service whose
tag moved, whose container was changed by hand, or that runs another image
in dev than in prod."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import labels, roles
from devparity import project as project_mod
from devparity.engine import containers
from devparity.engine.specs import ContainerSpec, Mount
from devparity.pin import service_image
from tests.support import free_port, python_project, run_cli
from tests.support.registry import REGISTRY, build_variant, forget_repo, lock_project, push, start_prod_with_env

STAND_IN = "python:3.11-slim"  # a small local image standing in for a service


@pytest.fixture
def cache_ref(engine: Any) -> Iterator[str]:
    """The stand-in pushed as a unique repository of the local registry."""
    repo = f"{REGISTRY}/dpt-{uuid.uuid4().hex[:8]}/cache"
    try:
        push(engine, STAND_IN, f"{repo}:7")
    except Exception as exc:  # noqa: BLE001 - any failure means no registry
        pytest.skip(f"the local registry at {REGISTRY} is not usable: {exc}")
    yield f"{repo}:7"
    forget_repo(engine, repo)


@pytest.fixture
def local_ref(engine: Any, project_name: str) -> str:
    """An image only this engine has (labelled with the project for cleanup)."""
    image_id = build_variant(engine, STAND_IN, project_name)
    engine.api.tag(image_id, f"{project_name}-db", "15")
    return f"{project_name}-db:15"


def services_toml(cache: str, db: str) -> str:
    return f"""
[services.cache]
image = "{cache}"
command = ["sleep", "infinity"]

[services.db]
image = "{db}"
env = {{ POSTGRES_PASSWORD = "dev" }}
data = "/var/lib/data"
command = ["sleep", "infinity"]
"""


@pytest.fixture
def project(tmp_path: Path, project_name: str, cache_ref: str, local_ref: str) -> Path:
    root = python_project(tmp_path / "app", project_name, port=free_port(), extra_toml=services_toml(cache_ref, local_ref))
    lock_project(root)
    return root


def test_lock_pins_registry_and_local_only_service_images(project: Path, cache_ref: str, local_ref: str, engine: Any) -> None:
    data = json.loads((project / "devparity.lock").read_text())
    cache, db = data["services"]["cache"], data["services"]["db"]
    assert cache["source"] == "registry" and cache["digest"] == engine.images.get_registry_data(cache_ref).id
    local_id = engine.images.get(local_ref).id
    assert (db["source"], db["local_only"], db["digest"]) == ("local", True, local_id)
    # each service's fingerprint, read from its image's files
    assert db["fingerprint"]["os"]["id"] == "debian" and "/re-pushed.txt" not in json.dumps(db["fingerprint"])
    assert db["fingerprint"]["base"] == {"ref": local_ref, "digest": local_id}
    assert "dpkg" in cache["fingerprint"]["packages"]
    p = project_mod.load(project)
    by_name = {s.name: s for s in p.config.services}
    assert service_image(p, by_name["cache"]) == f"{cache_ref.rsplit(':', 1)[0]}@{cache['digest']}"
    assert service_image(p, by_name["db"]) == local_id
    assert engine.images.get(service_image(p, by_name["cache"])).id == engine.images.get(cache_ref).id
    assert run_cli("lock", "--check", cwd=project).exit_code == 0


# --- check: service containers as `up` starts them (devparity.pin.service_image) ---


@pytest.fixture
def started(engine: Any, project_name: str) -> Iterator[list[str]]:
    """Ids of the service containers a test starts; removed after with their
    volumes (named and anonymous), which the project cleanup leaves."""
    ids: list[str] = []
    yield ids
    for cid in ids:
        with contextlib.suppress(Exception):
            engine.api.remove_container(cid, force=True, v=True)
    for vol in (engine.api.volumes(filters={"label": f"devparity.project={project_name}"}) or {}).get("Volumes") or []:
        with contextlib.suppress(Exception):
            engine.api.remove_volume(vol["Name"], force=True)


def start_service(root: Path, role: str, name: str, started: list[str], image: str | None = None) -> str:
    """A service container labelled and stamped as `devparity up` makes it,
    from the lock's pin unless ``image`` says otherwise."""
    p = project_mod.load(root)
    cfg = p.config
    svc = next(s for s in cfg.services if s.name == name)
    cname = roles.component_name(cfg, role, name)
    spec = ContainerSpec(
        name=cname,
        role=role,
        image=image or service_image(p, svc),
        command=() if svc.command is None else roles.argv(svc.command if isinstance(svc.command, str) else list(svc.command)),
        env=dict(svc.env),
        user=None,
        mounts=(Mount(f"{cname}-data", svc.data),) if svc.data else (),
        ports=(),
        labels={**roles.labels_for(cfg, role, "sha256:" + "0" * 64), **labels.component(labels.SERVICE, name)},
        working_dir="",
    )
    cid = containers.run(spec)
    started.append(cid)
    return cid


def run_in(engine: Any, cid: str, script: str) -> None:
    exec_id = engine.api.exec_create(cid, ["sh", "-c", script])["Id"]
    engine.api.exec_start(exec_id)
    assert engine.api.exec_inspect(exec_id)["ExitCode"] == 0


def check(root: Path, *args: str) -> Any:
    return run_cli("check", *args, cwd=root)


def test_check_names_a_service_file_changed_outside_its_data_dir(project: Path, engine: Any, started: list[str]) -> None:
    db = start_service(project, "dev", "db", started)
    start_service(project, "dev", "cache", started)
    r = check(project)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "✓ live services vs image: ok" in r.stdout and "✓ service image digests: ok" in r.stdout
    run_in(engine, db, "echo row >> /var/lib/data/table && echo scratch > /tmp/x")
    assert check(project).exit_code == 0  # the data dir and /tmp are the service's to write
    run_in(engine, db, "echo 'max_connections = 5' > /etc/stand-in.conf")
    r = check(project)
    assert r.exit_code == 1, r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "/etc/stand-in.conf" in ln)
    assert "service dev/db" in line and "outside its data directory" in line
    doc = json.loads(check(project, "--format", "json").stdout)
    (finding,) = [f for f in doc["findings"] if f["rule"] == "services"]
    assert (finding["subject"], finding["name"]) == ("service dev/db", "/etc/stand-in.conf")


def test_a_re_pushed_service_tag_fails_check_naming_the_service(
    project: Path, cache_ref: str, engine: Any, project_name: str
) -> None:
    assert check(project).exit_code == 0
    push(engine, build_variant(engine, STAND_IN, project_name), cache_ref)  # same tag, other content
    r = check(project)
    assert r.exit_code == 1, r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "now resolves to" in ln)
    assert "service cache" in line and cache_ref in line
    gh = check(project, "--format", "github")
    assert "::error" in gh.stdout and "service cache" in gh.stdout
    offline = check(project, "--offline")
    assert offline.exit_code == 0 and "service image digests: skipped (--offline)" in offline.stdout


def test_dev_and_prod_services_on_other_images(project: Path, engine: Any, started: list[str], local_ref: str) -> None:
    start_service(project, "dev", "db", started)
    start_service(project, "prod", "db", started, image=STAND_IN)  # another image in prod
    r = check(project)
    assert r.exit_code == 1, r.stdout
    assert "service db runs image" in r.stdout and "in dev but" in r.stdout
    assert "service prod/db runs image" in r.stdout and "devparity.lock pins" in r.stdout
    junit = check(project, "--format", "junit").stdout
    assert "service prod/db" in junit


def test_a_postgres_data_dir_of_another_major_version(tmp_path: Path, project_name: str, engine: Any, started: list[str]) -> None:
    tags = {t for i in engine.api.images() for t in i.get("RepoTags") or []}
    if not {"postgres:15", "redis:7"} <= tags:
        pytest.skip("postgres:15 and redis:7 are not on this engine (scripts/engine seeds them)")
    root = python_project(tmp_path / "app", project_name, port=free_port(), extra_toml="""
[services.db]
image = "postgres:15"
env = { POSTGRES_PASSWORD = "dev-pass-123" }
data = "/var/lib/postgresql/data"

[services.cache]
image = "redis:7"
""")
    lock_project(root)
    db = start_service(root, "dev", "db", started)
    start_service(root, "dev", "cache", started)  # the seeded redis, its /data an anonymous volume
    run_in(engine, db, "for i in $(seq 60); do [ -s /var/lib/postgresql/data/PG_VERSION ] && exit 0; sleep 0.5; done; exit 1")
    r = check(root)
    assert r.exit_code == 0, r.stdout
    assert "✓ service data vs server version: ok" in r.stdout and "✓ live services vs image: ok" in r.stdout
    run_in(engine, db, "echo 14 > /var/lib/postgresql/data/PG_VERSION")  # as a volume made by Postgres 14 reads
    r = check(root)
    assert r.exit_code == 1, r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "PG_VERSION" in ln or "created by" in ln)
    assert "service dev/db" in line and "postgres 14" in line and "postgres 15" in line
    assert "dev-pass-123" not in r.stdout + r.stderr


def test_snapshot_and_diff_name_services(project: Path, engine: Any, started: list[str], local_ref: str) -> None:
    start_service(project, "dev", "db", started)
    prod_db = start_service(project, "prod", "db", started, image=STAND_IN)
    prod_app = start_prod_with_env(project, engine, {})
    started.append(prod_app)
    snap = json.loads(run_cli("snapshot", "prod", cwd=project).stdout)
    assert snap["services"]["db"]["image_id"] == engine.images.get(STAND_IN).id
    assert snap["services"]["db"]["fingerprint"]["kind"] == "container"
    db = json.loads(run_cli("snapshot", "db", cwd=project).stdout)
    assert db["image_id"] == engine.images.get(local_ref).id and db["ref"].endswith(db["ref"].rsplit("-", 1)[-1])
    assert run_cli("diff", "db", "prod/db", cwd=project).exit_code == 0  # same packages, env and config
    run_in(engine, prod_db, "echo edited > /etc/by-hand.conf")
    r = run_cli("diff", "db", "prod/db", cwd=project)
    assert r.exit_code == 1 and "/etc/by-hand.conf" in r.stdout, r.stdout
    lock_snap = json.loads(run_cli("snapshot", "lock", cwd=project).stdout)
    assert sorted(lock_snap["services"]) == ["cache", "db"]
    missing = run_cli("snapshot", "prod/cache", cwd=project)
    assert missing.exit_code != 0 and "prod/cache" in missing.stderr
