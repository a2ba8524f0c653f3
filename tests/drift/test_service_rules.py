"""The service rules of `check` (issue 8) on small fingerprint dicts, the
version readers, and the gather steps with a fake engine (no engine)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devparity import config, lock, secrets
from devparity import project as project_mod
from devparity.drift import gather, report, service_gather, service_versions
from devparity.drift.findings import Facts, ServiceContainer, ServicePin, ServiceVersion, Skipped
from devparity.drift.rules import evaluate
from devparity.engine.models import ContainerInfo
from devparity.errors import RegistryError
from devparity.secrets import mask_env
from tests.support import fingerprint, lock_data, python_project
from tests.support.project import SERVICE_DIGEST

PG_ID, OTHER_ID = "sha256:" + "1" * 64, "sha256:" + "2" * 64
PG_IMAGE: dict[str, Any] = fingerprint(
    ref="postgres:15",
    image_id=PG_ID,
    runtimes={},
    packages={"dpkg": {"bash": "5.2.15", "postgresql-15": "15.8-0+deb12u1"}},
    config_over={"env": {"PATH": "/usr/bin", "PGDATA": "/var/lib/postgresql/data"}, "cmd": ["postgres"], "workdir": "/"},
)
SALT = "0" * 32
DECLARED = mask_env({"POSTGRES_PASSWORD": "hunter2-secret"}, SALT)


def pg_container(**over: Any) -> dict[str, Any]:
    """A service container of PG_IMAGE as it runs: its declared env, the data volume."""
    fp = copy.deepcopy(PG_IMAGE)
    fp.update(kind="container", ref="shop-dev-db")
    fp["config"]["env"].update(DECLARED)
    fp["changes"] = [{"path": "/var/lib/postgresql/data/base/1", "kind": "A"}]
    fp["hidden_paths"] = []
    fp["mounts"] = [{"type": "volume", "source": "shop-dev-db-data", "destination": "/var/lib/postgresql/data", "rw": True}]
    fp.update(over)
    return fp


def svc(role: str = "dev", **over: Any) -> ServiceContainer:
    base = ServiceContainer(
        role=role, service="db", name=f"shop-{role}-db", fingerprint=pg_container(), image=PG_IMAGE,
        declared_env=DECLARED, data="/var/lib/postgresql/data", locked_image=PG_ID,
        version=ServiceVersion("postgres", "/var/lib/postgresql/data", "/var/lib/postgresql/data/PG_VERSION", "15", "15"),
    )
    return replace(base, **over)


def facts(**over: Any) -> Facts:
    base = Facts(
        language="python", version="3.11", dep_files=(), workdir="/app", dev_env={}, stale=(),
        locked=Skipped("x"), image=Skipped("x"), base=Skipped("x"), current_inputs=None,
        containers=Skipped("x"), host=Skipped("x"),
        service_pins=(ServicePin("cache", "127.0.0.1:5000/redis:7", "sha256:" + "a" * 64, "sha256:" + "a" * 64),),
        services=(svc("dev"), svc("prod")),
    )
    return replace(base, **over)


def by_rule(f: Facts) -> dict[str, Any]:
    return {r.rule: r for r in evaluate(f).results}


def test_services_at_parity_pass_every_service_rule() -> None:
    results = by_rule(facts())
    assert {k: results[k].status for k in ("service-pins", "services", "service-images", "service-versions")} == dict.fromkeys(
        ("service-pins", "services", "service-images", "service-versions"), "pass"
    )


def test_a_project_without_services_lists_no_service_rule() -> None:
    results = by_rule(facts(service_pins=None, services=None))
    assert not [k for k in results if k.startswith("service")]


def test_a_moved_service_tag_names_the_service() -> None:
    now = "sha256:" + "b" * 64
    f = facts(service_pins=(ServicePin("cache", "127.0.0.1:5000/redis:7", "sha256:" + "a" * 64, now),))
    outcome = evaluate(f)
    (finding,) = outcome.findings
    assert finding.rule == "service-pins" and finding.subject == "service cache" and finding.name == "cache"
    assert now in finding.message and outcome.drift
    unreachable = evaluate(facts(service_pins=(ServicePin("cache", "r:7", "sha256:" + "a" * 64, None, "refused"),)))
    assert unreachable.drift and "--offline" in unreachable.findings[0].fix


def test_a_file_changed_outside_the_data_dir_is_named_a_write_inside_is_not() -> None:
    changes = [
        {"path": "/etc/postgresql/postgresql.conf", "kind": "C"},
        {"path": "/var/lib/postgresql/data/pg_wal/0001", "kind": "A"},
    ]
    f = facts(services=(svc(fingerprint=pg_container(changes=changes)),))
    (finding,) = evaluate(f).findings
    assert (finding.rule, finding.category, finding.subject, finding.name) == (
        "services", "file", "service dev/db", "/etc/postgresql/postgresql.conf",
    )
    # no data mount and no [services].data: the data dir is still the config's
    f = facts(services=(svc(fingerprint=pg_container(changes=changes[1:], mounts=[])),))
    assert evaluate(f).findings == []


def test_a_package_installed_in_a_service_is_named_and_its_files_fold() -> None:
    fp = pg_container(changes=[{"path": "/var/lib/dpkg/status", "kind": "C"}, {"path": "/usr/bin/vim", "kind": "A"}])
    fp["packages"]["dpkg"]["vim"] = "9.0"
    (pkg, file) = evaluate(facts(services=(svc(fingerprint=fp),))).findings
    assert (pkg.category, pkg.name, pkg.ecosystem, pkg.actual) == ("package", "vim", "dpkg", "9.0")
    assert file.name == "/usr/bin/vim"  # dpkg's own trees fold into the package finding


def test_env_beyond_the_config_and_the_image_is_named_masked() -> None:
    fp = pg_container()
    fp["config"]["env"] |= mask_env({"DEBUG_TOKEN": "leaky-secret-value", "EXTRA": "1"}, SALT)
    fp["config"]["env"]["POSTGRES_PASSWORD"] = mask_env({"POSTGRES_PASSWORD": "other-pass"}, SALT)["POSTGRES_PASSWORD"]
    outcome = evaluate(facts(services=(svc(fingerprint=fp),)))
    assert sorted(f.name for f in outcome.findings) == ["DEBUG_TOKEN", "EXTRA", "POSTGRES_PASSWORD"]
    text = report.render(outcome, "shop", "json") + report.render(outcome, "shop", "text")
    assert "leaky-secret-value" not in text and "other-pass" not in text and "hunter2" not in text
    assert "[services.db].env declares" in text


def test_a_service_on_another_image_than_its_pin_and_than_prod() -> None:
    dev = svc("dev", fingerprint=pg_container(image_id=OTHER_ID), image={**PG_IMAGE, "image_id": OTHER_ID})
    outcome = evaluate(facts(services=(dev, svc("prod"))))
    findings = [f for f in outcome.findings if f.rule == "service-images"]
    assert [f.subject for f in findings] == ["service dev/db", "service db"]
    assert "in dev but" in findings[1].message and outcome.drift
    for fmt in ("junit", "github"):
        assert "dev/db" in report.render(outcome, "shop", fmt)


def test_a_data_dir_of_another_major_version() -> None:
    v = ServiceVersion("postgres", "/var/lib/postgresql/data", "/var/lib/postgresql/data/PG_VERSION", "14", "15")
    (finding,) = evaluate(facts(services=(svc(version=v),))).findings
    assert finding.rule == "service-versions" and finding.name == "/var/lib/postgresql/data/PG_VERSION"
    assert "postgres 14" in finding.message and "postgres 15" in finding.message
    fresh = replace(v, data=None)  # a volume initdb has not run on yet
    assert evaluate(facts(services=(svc(version=fresh),))).findings == []
    results = by_rule(facts(services=(svc(version=None),)))
    assert results["service-versions"].status == "skipped"


@pytest.mark.parametrize(
    ("fp", "trees", "want"),
    [
        (fingerprint(config_over={"env": {"PG_MAJOR": "16"}}), {}, "16"),
        (PG_IMAGE, {}, "15"),
        (fingerprint(packages={"dpkg": {}}), {"/usr/lib/postgresql": ["14/bin/postgres", "14/lib/x.so"]}, "14"),
        (fingerprint(packages={"dpkg": {"redis-server": "7.0"}}), {}, None),
    ],
)
def test_postgres_image_versions(fp: dict[str, Any], trees: dict[str, list[str]], want: str | None) -> None:
    assert service_versions.POSTGRES.image_version(fp, trees) == want


def test_postgres_data_versions_and_a_registered_reader() -> None:
    assert service_versions.POSTGRES.data_version(b"15\n") == "15"
    assert service_versions.POSTGRES.data_version(b"\x00garbage") is None
    assert service_versions.differs("15", "14") and not service_versions.differs("15", None)
    reader = service_versions.Reader("redis", (), lambda fp, _t: "7" if "redis" in str(fp) else None, "VERSION",
                                     lambda raw: raw.decode().strip(), lambda _env: "/data")
    service_versions.register(reader)
    try:
        assert service_versions.READERS[-1] is reader
    finally:
        service_versions.READERS.remove(reader)


# --- the gather steps, with a fake engine ---------------------------------

SERVICES = """
[services.db]
image = "127.0.0.1:5000/postgres:15"
env = { POSTGRES_PASSWORD = "hunter2-secret" }
data = "/var/lib/postgresql/data"

[services.cache]
image = "redis:7"
"""


class FakeEngine:
    def __init__(self, running: list[ContainerInfo], fps: dict[str, dict[str, Any]], now: str | Exception) -> None:
        self.running, self.fps, self.now = running, fps, now
        self.asked: list[str] = []

    def registry_digest(self, ref: str) -> str:
        self.asked.append(ref)
        if isinstance(self.now, Exception):
            raise self.now
        return self.now

    def fingerprint_image(self, image_id: str, *, project: str, salt: str) -> dict[str, Any]:
        return PG_IMAGE

    def fingerprint_container(self, cid: str, *, project: str, salt: str) -> dict[str, Any]:
        return self.fps[cid]

    def list_image_tree(self, image_id: str, *, project: str, path: str) -> list[str]:
        return []

    def running_services(self, cfg: config.Config) -> list[ContainerInfo]:
        return self.running

    def image_id(self, ref: str) -> str | None:
        return PG_ID if ref == f"127.0.0.1:5000/postgres@{SERVICE_DIGEST}" else None

    def read_container_file(self, cid: str, path: str) -> bytes | None:
        return b"14\n" if path == "/var/lib/postgresql/data/PG_VERSION" else None


def _container(cid: str, role: str, name: str) -> ContainerInfo:
    labels = {"devparity.role": role, "devparity.kind": "service", "devparity.component": name}
    return ContainerInfo(cid, f"shop-{role}-{name}", labels, PG_ID, "running", True, None, None, None)


def _lock_facts(tmp_path: Path) -> tuple[config.Config, gather.LockFacts]:
    python_project(tmp_path, "shop", extra_toml=SERVICES)
    cfg = config.load(tmp_path / "devparity.toml")
    lock.write(cfg, lock_data(tmp_path, local=("cache",)))
    p = project_mod.load(tmp_path)
    lf = gather.lock_facts(_plan(p), p.lock)
    return cfg, lf


def _plan(p: project_mod.Project) -> Any:
    from devparity import plan

    return plan.make(p.config, p.lock.pin_for(p.config) if p.lock else None)


def test_gather_services_from_a_fake_engine(tmp_path: Path) -> None:
    cfg, lf = _lock_facts(tmp_path)
    assert lf.stale_services == ()
    fp = pg_container()
    fp["config"]["env"].update(secrets.mask_env({"POSTGRES_PASSWORD": "hunter2-secret"}, lf.salt))
    eng = FakeEngine([_container("c1", "dev", "db"), _container("c2", "dev", "gone")], {"c1": fp}, SERVICE_DIGEST)
    pins = service_gather.pin_facts(eng, cfg, lf, offline=False)
    assert pins == (ServicePin("db", "127.0.0.1:5000/postgres:15", SERVICE_DIGEST, SERVICE_DIGEST),)
    assert eng.asked == ["127.0.0.1:5000/postgres:15"]  # the local-only cache is not asked
    assert service_gather.pin_facts(eng, cfg, lf, offline=True) == Skipped("--offline")
    eng.now = RegistryError("cannot resolve x in its registry: connection refused")
    (down,) = service_gather.pin_facts(eng, cfg, lf, offline=False)  # type: ignore[misc]
    assert down.now is None and down.unreachable == "connection refused"
    (c,) = service_gather.container_facts(eng, cfg, lf)  # type: ignore[misc]  # "gone" is no configured service
    assert (c.label, c.locked_image, c.data) == ("dev/db", PG_ID, "/var/lib/postgresql/data")
    assert c.version == ServiceVersion("postgres", "/var/lib/postgresql/data", "/var/lib/postgresql/data/PG_VERSION", "14", "15")
    outcome = evaluate(facts(services=(c,), service_pins=pins))
    assert [f.rule for f in outcome.findings] == ["service-versions"]  # the declared password is no drift
    assert "hunter2" not in json.dumps(report.to_json(outcome, "shop"))


def test_gather_without_services_asks_nothing(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    cfg = config.load(tmp_path / "devparity.toml")
    lock.write(cfg, lock_data(tmp_path))
    p = project_mod.load(tmp_path)
    lf = gather.lock_facts(_plan(p), p.lock)
    eng = FakeEngine([], {}, RuntimeError("not asked"))  # type: ignore[arg-type]
    assert service_gather.pin_facts(eng, cfg, lf, offline=False) is None
    assert service_gather.container_facts(eng, cfg, lf) is None


def test_a_changed_service_is_a_lock_finding_naming_it(tmp_path: Path) -> None:
    _lock_facts(tmp_path)
    toml = tmp_path / "devparity.toml"
    toml.write_text(toml.read_text().replace('image = "redis:7"', 'image = "redis:7.2"'))
    p = project_mod.load(tmp_path)
    lf = gather.lock_facts(_plan(p), p.lock)
    assert lf.stale == () and lf.stale_services == ("[services.cache].image (redis:7 -> redis:7.2)",)
    f = facts(stale=lf.stale + lf.stale_services)
    (finding,) = [x for x in evaluate(f).findings if x.rule == "lock"]
    assert "[services.cache].image" in finding.message
