"""Deploying [services.*] and [processes.*] beside the app (issue 9 with
issue 8): the pure Swarm specs, the lock's ``release.services`` (shape,
tamper detection, survival across `devparity lock`) and the target rule's
findings on a service or process. No engine."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from devparity import config, deploy, deploy_services, labels, lock, release
from devparity.drift.findings import Facts, Skipped
from devparity.drift.target_rule import ComponentFacts, SwarmFacts, TaskFacts, rule_swarm
from devparity.engine import swarm
from devparity.engine.swarm_models import ServiceInfo
from devparity.errors import LockError
from devparity.release import Release, ServiceRelease
from tests.support import fingerprint, python_project
from tests.support.project import SERVICE_DIGEST, lock_data

SALT = "0" * 32
EXTRA = """
[services.cache]
image = "redis:7"
command = ["redis-server", "--save", ""]
data = "/data"
env = { CACHE_SECRET = "s3cret-value" }
ports = { "6379" = 16379 }
ready = { tcp = 6379 }

[services.db]
image = "postgres:15"

[processes.worker]
command = ["python", "worker.py"]
env = { QUEUE = "jobs" }
"""


def _setup(tmp_path: Path, *, local: tuple[str, ...] = ("cache",), pushed: bool = True) -> tuple[config.Config, lock.Lock, Release]:
    root = python_project(tmp_path / "app", "Shop_1", port=8000, extra_toml=EXTRA)
    cfg = config.load(root / "devparity.toml")
    data = lock_data(root, local=local)
    services = {"cache": ServiceRelease("reg:5000/shop_1-cache", release.service_tag(SERVICE_DIGEST), "sha256:" + "c" * 64, SERVICE_DIGEST)}
    rel = Release("reg:5000", "reg:5000/shop_1", "t", "sha256:" + "1" * 64, "sha256:" + "3" * 64, data["inputs_hash"],
                  "sha256:" + "2" * 64, "sha256:" + "4" * 64, services if pushed else {})
    lock.write(cfg, lock.with_release(lock.Lock(data), rel))
    lk = lock.read(cfg)
    assert lk is not None and lk.problems == (), lk.problems if lk else None
    return cfg, lk, rel


def test_a_local_only_service_deploys_from_its_pushed_copy_a_registry_one_by_its_digest(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    comps = {c.name: c for c in deploy_services.components(cfg, lk, rel)}
    assert [c.kind for c in deploy_services.components(cfg, lk, rel)] == ["service", "service", "process"]  # services first
    cache, db, worker = comps["cache"].spec, comps["db"].spec, comps["worker"].spec
    assert cache is not None and db is not None and worker is not None
    assert cache.image == f"reg:5000/shop_1-cache@{'sha256:' + 'c' * 64}"
    assert db.image == f"postgres@{SERVICE_DIGEST}"  # by digest, never the tag
    assert cache.name == "Shop-1-cache" and comps["cache"].service_name == cache.name


def test_a_service_spec_is_one_stop_first_replica_on_the_network_by_its_name(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    spec = deploy_services.components(cfg, lk, rel)[0].spec
    assert spec is not None
    assert (spec.replicas, spec.update_order) == (1, "stop-first")  # two redis on one volume must not run
    assert spec.args == ("redis-server", "--save", "") and spec.env == {"CACHE_SECRET": "s3cret-value"}
    assert spec.networks == (deploy.networks(cfg)[0].__class__("Shop-1-net", ("cache",)),)
    assert [(m.source, m.target) for m in spec.mounts] == [("Shop-1-cache-data", "/data")]
    assert spec.mounts[0].labels[labels.PROJECT] == "Shop_1"
    assert spec.ports == ()  # a database is never published by deploy (its [services].ports are dev-only)
    assert spec.labels[deploy.LOCK] == lk.digest and spec.labels[labels.KIND] == "service"
    assert spec.workdir == "" and spec.cap_drop == ()  # the image's own, as `up` runs it
    body = swarm._body(spec)
    assert body["task_template"]["Networks"] == [{"Target": "Shop-1-net", "Aliases": ["cache"]}]
    assert body["task_template"]["ContainerSpec"]["Mounts"][0]["VolumeOptions"]["Labels"][labels.PROJECT] == "Shop_1"
    assert "Dir" not in body["task_template"]["ContainerSpec"]


def test_a_process_runs_the_released_app_image_hardened_with_its_command(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    worker = deploy_services.components(cfg, lk, rel)[2].spec
    assert worker is not None
    assert worker.image == rel.ref and worker.args == ("python", "worker.py")
    assert worker.env == {**cfg.env, "QUEUE": "jobs"} and worker.ports == ()
    assert worker.cap_drop == ("ALL",) and worker.update_order == "start-first" and worker.replicas == 1
    app = deploy.service_spec(cfg, lk, rel, replicas=3, publish="host")
    assert app.networks == deploy.networks(cfg) and app.networks[0].name == "Shop-1-net"


def test_an_app_without_services_joins_no_network(tmp_path: Path) -> None:
    root = python_project(tmp_path / "app", "plain", port=8000)
    cfg = config.load(root / "devparity.toml")
    data = lock_data(root)
    rel = Release("reg:5000", "reg:5000/plain", "t", "sha256:" + "1" * 64, "sha256:" + "3" * 64, data["inputs_hash"], "sha256:" + "2" * 64, "sha256:" + "4" * 64)
    spec = deploy.service_spec(cfg, lock.Lock(data), rel, replicas=1, publish="host")
    assert spec.networks == () and "Networks" not in swarm._body(spec)["task_template"]


def test_a_local_only_service_never_pushed_has_no_spec(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path, pushed=False)
    comps = deploy_services.components(cfg, lk, rel)
    assert [c.name for c in comps if c.spec is None] == ["cache"]


def test_release_services_are_read_back_and_a_hand_edit_shows(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    assert lk.release == rel
    raw = json.loads(lock.path_for(cfg).read_text())
    # a pushed copy that is not the local-only pin (digest resealed, so only the consistency check catches it)
    raw["release"]["services"]["cache"]["image_id"] = "sha256:" + "9" * 64
    lock.write(cfg, raw)
    edited = lock.read(cfg)
    assert edited is not None and "`release.services.cache` is not the local-only pin of `services.cache`" in edited.problems


@pytest.mark.parametrize(("key", "bad", "named"), [
    ("digest", "latest", "release.services.cache.digest"),
    ("repository", "elsewhere.io/x", "release.services.cache.repository"),
    ("tag", "a b", "release.services.cache.tag"),
])
def test_a_malformed_release_service_field_is_named_never_echoed(tmp_path: Path, key: str, bad: str, named: str) -> None:
    cfg, _, _ = _setup(tmp_path)
    raw = json.loads(lock.path_for(cfg).read_text())
    raw["release"]["services"]["cache"][key] = bad
    lock.path_for(cfg).write_text(json.dumps(raw))
    with pytest.raises(LockError) as err:
        lock.read(cfg)
    assert named in err.value.message and bad not in err.value.message


def test_lock_drops_a_pushed_copy_whose_pin_changed(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    services = dict(lk.services)
    services["cache"] = {**services["cache"], "digest": "sha256:" + "8" * 64}
    assert lock.kept_release(rel, services).services == {}
    assert lock.kept_release(rel, lk.services) == rel


def _facts() -> Facts:
    fp = fingerprint()
    return Facts(language="python", version="3.11", dep_files=("requirements.txt",), workdir="/app", dev_env={}, stale=(),
                 locked=fp, image=fp, base=Skipped("--offline"), current_inputs="sha256:inputs", containers=(), host="3.11.4")


def _info(spec: object, **over: object) -> ServiceInfo:
    s = spec  # a ServiceSpec
    info = ServiceInfo("id", s.name, 2, s.image, s.args, None, dict(s.env), s.workdir or None, s.ports, 1, dict(s.labels), s.update_order)  # type: ignore[attr-defined]
    return replace(info, **over)  # type: ignore[arg-type]


def _component_facts(tmp_path: Path, **over: object) -> tuple[SwarmFacts, ComponentFacts]:
    cfg, lk, rel = _setup(tmp_path)
    c = deploy_services.components(cfg, lk, rel)[0]
    assert c.spec is not None
    info = _info(c.spec, **over)
    task = TaskFacts(f"{c.service_name}.1.abcdef", "node1", "running", info.image, None, None, None)
    cf = ComponentFacts(c.kind, c.name, c.service_name, info, c.spec, (task,))
    app = deploy.service_spec(cfg, lk, rel, replicas=1, publish="host")
    app_info = ServiceInfo("a", app.name, 1, app.image, app.args, None, dict(app.env), app.workdir, app.ports, 1, app.labels, "start-first")
    app_task = TaskFacts(f"{app.name}.1.abc", "node1", "running", app.image, None, None, None)
    return SwarmFacts("swarm://Shop-1", "unix:///x", app.name, app_info, app, rel, lk.digest, (app_task,), SALT, (cf,)), cf


def test_a_deployed_service_as_locked_is_no_finding(tmp_path: Path) -> None:
    sf, _ = _component_facts(tmp_path)
    assert rule_swarm(sf, _facts()) == []


def test_an_env_added_to_a_service_is_named_with_the_service_and_masked(tmp_path: Path) -> None:
    cfg_env = {"CACHE_SECRET": "s3cret-value", "X": "1"}
    sf, _ = _component_facts(tmp_path, env=cfg_env)
    found = rule_swarm(sf, _facts())
    assert isinstance(found, list) and len(found) == 1
    f = found[0]
    assert f.name == "X" and "service Shop-1-cache's spec" in f.message and "[services.cache].env" in f.message
    changed = rule_swarm(_component_facts(tmp_path / "b", env={"CACHE_SECRET": "other"})[0], _facts())
    assert isinstance(changed, list) and "s3cret-value" not in str(changed) and "other" not in changed[0].message


def test_another_image_or_command_on_a_service_and_its_task_are_named(tmp_path: Path) -> None:
    other = "reg:5000/x@sha256:" + "7" * 64
    sf, cf = _component_facts(tmp_path, image=other, args=("redis-server",))
    task = replace(cf.tasks[0], image=other)
    found = rule_swarm(replace(sf, components=(replace(cf, tasks=(task,)),)), _facts())
    assert isinstance(found, list)
    text = "\n".join(f"{f.subject}: {f.message}" for f in found)
    assert "service Shop-1-cache (service cache) is set to run" in text and "7" * 64 in text and "c" * 64 in text
    assert "command differs from [services.cache].command" in text
    assert f"task {task.name} of service Shop-1-cache runs" in text and "node node1" in text


def test_a_missing_or_unpushed_component_is_drift(tmp_path: Path) -> None:
    sf, cf = _component_facts(tmp_path)
    gone = rule_swarm(replace(sf, components=(replace(cf, service=None, tasks=()),)), _facts())
    assert isinstance(gone, list) and "no Swarm service Shop-1-cache (service cache) runs" in gone[0].message
    unpushed = rule_swarm(replace(sf, components=(replace(cf, expected=None),)), _facts())
    assert isinstance(unpushed, list) and "never pushed" in unpushed[0].message


def test_lock_check_accepts_a_pushed_service_and_catches_a_hand_edit(tmp_path: Path) -> None:
    from tests.support import run_cli

    cfg, _, _ = _setup(tmp_path)
    ok = run_cli("lock", "--check", cwd=cfg.root)
    assert ok.exit_code == 0, ok.stderr
    raw = json.loads(lock.path_for(cfg).read_text())
    raw["release"]["services"]["cache"]["digest"] = "sha256:" + "5" * 64  # not resealed
    lock.path_for(cfg).write_text(json.dumps(raw))
    bad = run_cli("lock", "--check", cwd=cfg.root)
    assert bad.exit_code == 1 and "edited by hand" in bad.stderr


def test_an_image_volume_besides_data_gets_a_named_labelled_volume(tmp_path: Path) -> None:
    cfg, lk, rel = _setup(tmp_path)
    comps = deploy_services.components(cfg, lk, rel, {"cache": ("/data", "/logs"), "db": ("/var/lib/postgresql/data",)})
    cache, db = comps[0].spec, comps[1].spec
    assert cache is not None and db is not None
    assert [m.target for m in cache.mounts] == ["/data", "/logs"]  # /data is [services.cache].data already
    assert cache.mounts[1].source == deploy_services.image_volume(cfg, cfg.services[0], "/logs") and cache.mounts[1].source.startswith("Shop-1-cache-vol-")
    assert [m.target for m in db.mounts] == ["/var/lib/postgresql/data"] and db.mounts[0].labels[labels.KIND] == "service"
    assert deploy_services.image_volume(cfg, cfg.services[0], "/a") != deploy_services.image_volume(cfg, cfg.services[0], "/b")
