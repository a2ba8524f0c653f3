"""The services section of devparity.lock (issue 8), without an engine:
pins written and read back, `lock --check` naming what changed, the schema
naming a malformed field, and the pin `up` starts a service from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity import config, inputs, lock, lock_services, pin, project
from devparity.errors import LockError
from tests.support import lock_data, python_project, run_cli
from tests.support.project import SERVICE_DIGEST

SERVICES = """
[services.db]
image = "127.0.0.1:5000/postgres:15"
env = { POSTGRES_PASSWORD = "dev" }
data = "/var/lib/postgresql/data"

[services.cache]
image = "redis:7"
"""


def setup(tmp_path: Path, *, local: tuple[str, ...] = ("cache",)) -> config.Config:
    python_project(tmp_path, "shop", extra_toml=SERVICES)
    cfg = config.load(tmp_path / "devparity.toml")
    lock.write(cfg, lock_data(tmp_path, local=local))
    return cfg


def edit_toml(root: Path, old: str, new: str) -> config.Config:
    toml = root / "devparity.toml"
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, new))
    return config.load(toml)


def test_services_are_pinned_and_read_back(tmp_path: Path) -> None:
    cfg = setup(tmp_path)
    data = json.loads((tmp_path / "devparity.lock").read_text())
    assert sorted(data["services"]) == ["cache", "db"]
    db = data["services"]["db"]
    assert (db["ref"], db["digest"], db["source"], db["local_only"]) == ("127.0.0.1:5000/postgres:15", SERVICE_DIGEST, "registry", False)
    assert data["services"]["cache"]["local_only"] is True
    assert "dev" not in json.dumps(db["inputs"])  # settings are hashes, never an env value
    read = lock.read(cfg)
    assert read is not None and read.problems == ()
    assert lock_services.stale_services(cfg, read) == []


def test_a_project_without_services_writes_no_services_section(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    assert "services" not in lock_data(tmp_path)


def test_service_image_is_the_pin_else_the_tag(tmp_path: Path) -> None:
    setup(tmp_path)
    p = project.load(tmp_path)
    db, cache = p.config.services
    assert pin.service_image(p, db) == f"127.0.0.1:5000/postgres@{SERVICE_DIGEST}"
    assert pin.service_image(p, cache) == SERVICE_DIGEST  # local-only: the image id
    # the config names another image since the lock: its tag, not the old pin
    edit_toml(tmp_path, 'image = "redis:7"', 'image = "redis:7.2"')
    p = project.load(tmp_path)
    assert pin.service_image(p, p.config.services[1]) == "redis:7.2"
    (tmp_path / "devparity.lock").unlink()
    p = project.load(tmp_path)
    assert pin.service_image(p, p.config.services[0]) == "127.0.0.1:5000/postgres:15"


def test_a_hand_edited_service_pin_is_never_started_from(tmp_path: Path) -> None:
    setup(tmp_path)
    path = tmp_path / "devparity.lock"
    path.write_text(path.read_text().replace(SERVICE_DIGEST, "sha256:" + "e" * 64))
    p = project.load(tmp_path)
    assert p.lock is not None and p.lock.problems  # the digest covers the services section
    assert pin.service_image(p, p.config.services[0]) == "127.0.0.1:5000/postgres:15"
    r = run_cli("lock", "--check", cwd=tmp_path)
    assert r.exit_code == 1 and "edited by hand" in r.stderr


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('image = "redis:7"', 'image = "redis:7.2"', "[services.cache].image (redis:7 -> redis:7.2)"),
        ('POSTGRES_PASSWORD = "dev"', 'POSTGRES_PASSWORD = "dev2"', "[services.db].env"),
        ('data = "/var/lib/postgresql/data"', 'data = "/srv/pg"', "[services.db].data"),
        ("[services.cache]\nimage = \"redis:7\"\n", "", "[services.cache] (removed from devparity.toml)"),
        ("[services.cache]", "[services.queue]\nimage = \"redis:7\"\n\n[services.cache]", "[services.queue] (a new service)"),
    ],
)
def test_lock_check_names_each_service_change(tmp_path: Path, old: str, new: str, named: str) -> None:
    setup(tmp_path)
    cfg = edit_toml(tmp_path, old, new)
    read = lock.read(cfg)
    assert read is not None
    assert lock_services.stale_services(cfg, read) == [named]
    r = run_cli("lock", "--check", cwd=tmp_path)
    assert r.exit_code == 1
    assert named in r.stderr and "dev2" not in r.stderr + r.stdout


def test_a_service_change_leaves_other_settings_fresh(tmp_path: Path) -> None:
    setup(tmp_path)
    cfg = edit_toml(tmp_path, "[services.db]", "[services.db]\nready = { tcp = 5432 }")
    read = lock.read(cfg)
    assert read is not None and lock_services.stale_services(cfg, read) == []  # readiness is not the image's
    assert run_cli("lock", "--check", cwd=tmp_path).exit_code == 0


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("services",), [], "`services` must be a table"),
        (("services", "db", "digest"), "sha256:xyz", "`services.db.digest`"),
        (("services", "db", "source"), "elsewhere", "`services.db.source`"),
        (("services", "db", "local_only"), True, "`services.db.local_only`"),
        (("services", "db", "ref"), "Not A Ref", "`services.db.ref`"),
        (("services", "db", "inputs", "env"), "dev", "`services.db.inputs.env`"),
        (("services", "db", "fingerprint", "packages"), "x", "`services.db.fingerprint.packages`"),
        (("services", "db", "extra"), 1, "`services.db.extra` is not a lock field"),
    ],
)
def test_a_malformed_services_section_names_the_field(tmp_path: Path, path: tuple[str, ...], value: object, needle: str) -> None:
    cfg = setup(tmp_path)
    data = json.loads((tmp_path / "devparity.lock").read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    (tmp_path / "devparity.lock").write_text(json.dumps(data))
    with pytest.raises(LockError) as err:
        lock.read(cfg)
    assert needle in str(err.value)


def test_a_bad_service_name_in_the_lock_is_a_lock_error(tmp_path: Path) -> None:
    cfg = setup(tmp_path)
    data = json.loads((tmp_path / "devparity.lock").read_text())
    data["services"]["Bad\nName"] = data["services"].pop("db")
    (tmp_path / "devparity.lock").write_text(json.dumps(data))
    with pytest.raises(LockError) as err:
        lock.read(cfg)
    assert "no service name" in str(err.value) and "Bad" not in str(err.value)


def test_no_mutation_of_the_services_section_escapes(tmp_path: Path) -> None:
    cfg = setup(tmp_path)
    data = json.loads((tmp_path / "devparity.lock").read_text())
    values: list[object] = [..., None, True, 0, "", [], {}, {"a": 1}, "sha256:" + "0" * 64]

    def paths(node: object, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        if not isinstance(node, dict):
            return [prefix]
        return [prefix] + [p for k, v in node.items() for p in paths(v, (*prefix, k))]

    for path in paths(data["services"], ("services",)):
        for value in values:
            edited = json.loads(json.dumps(data))
            node = edited
            for key in path[:-1]:
                node = node[key]
            if value is ...:
                del node[path[-1]]
            else:
                node[path[-1]] = value
            (tmp_path / "devparity.lock").write_text(json.dumps(edited))
            try:
                got = lock.read(cfg)
            except LockError:
                continue
            assert got is not None
            lock.disagreements(cfg, got)
            lock_services.stale_services(cfg, got)
            pin.service_image(project.Project(cfg, got), cfg.services[0])


def test_service_settings_are_sealed_not_guessable(tmp_path: Path) -> None:
    """The lock is committed and a service's env holds its password: the
    settings hashes are keyed with the lock's salt and slow, so hashing a
    guess (`dev`) the plain way finds nothing in the file."""
    cfg = setup(tmp_path)
    text = (tmp_path / "devparity.lock").read_text()
    db = next(s for s in cfg.services if s.name == "db")
    plain = inputs.sha256_json(db.image_inputs()["env"])
    assert plain.split(":")[-1] not in text
    recorded = json.loads(text)["services"]["db"]["inputs"]["env"]
    assert recorded.startswith("pbkdf2:") and recorded != plain
    # and still stable: the same settings under the same salt seal alike
    assert lock_services.service_inputs(db, json.loads(text)["salt"])["env"] == recorded
