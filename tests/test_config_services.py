"""[services.NAME] and [processes.NAME] (issue 8): parsed into typed values,
and every wrong value one ConfigError naming file:line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import config, roles
from devparity.config_services import DEFAULT_READY_TIMEOUT
from devparity.errors import ConfigError, UsageError

BASE = """
[runtime]
language = "python"
version = "3.11"
[app]
command = ["python", "app.py"]
ports = [8000]
"""

GOOD = BASE + """
[services.db]
image = "postgres:15"
env = { POSTGRES_PASSWORD = "dev" }
ready = { tcp = 5432 }
data = "/var/lib/postgresql/data/"
ports = { 5432 = 15432 }
[services.cache]
image = "redis:7"
[processes.worker]
command = ["python", "worker.py"]
env = { QUEUE = "jobs" }
"""


def parse(text: str, tmp_path: Path) -> config.Config:
    return config.parse(text, tmp_path / "devparity.toml")


def test_services_and_processes_parse(tmp_path: Path) -> None:
    c = parse(GOOD, tmp_path)
    db, cache = c.services
    assert (db.name, db.image, db.env, db.ready.tcp, db.data, db.ports) == (
        "db", "postgres:15", {"POSTGRES_PASSWORD": "dev"}, 5432, "/var/lib/postgresql/data", {5432: 15432})
    assert (cache.name, cache.ready.tcp, cache.ready.command, cache.ready.timeout, cache.data) == (
        "cache", None, (), DEFAULT_READY_TIMEOUT, None)
    (worker,) = c.processes
    assert (worker.name, worker.command, worker.env) == ("worker", ("python", "worker.py"), {"QUEUE": "jobs"})


def test_no_services_by_default(tmp_path: Path) -> None:
    c = parse(BASE, tmp_path)
    assert c.services == () and c.processes == ()


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (('image = "redis:7"', 'image = "Redis:7"'), "services.cache.image"),
        (('image = "redis:7"', 'imag = "redis:7"'), "unknown key `services.cache.imag`"),
        (("tcp = 5432", "tcp = 0"), "services.db.ready"),
        (("tcp = 5432", 'tcp = 5432, command = ["x"]'), "not both"),
        (("tcp = 5432", "tcp = 5432, timeout = 0"), "timeout"),
        (("ready = { tcp = 5432 }", 'ready = "yes"'), "services.db.ready"),
        (("15432", "8000"), "dev already publishes"),
        (('"/var/lib/postgresql/data/"', '"data"'), "services.db.data"),
        (('"/var/lib/postgresql/data/"', '"/"'), "services.db.data"),
        (('"/var/lib/postgresql/data/"', '"/a/../b"'), "services.db.data"),
        (("POSTGRES_PASSWORD", '"BAD NAME"'), "services.db.env"),
        (("[services.cache]", "[services.Cache]"), "a name in [services] is not valid"),
        (("[services.cache]", "[services.dev]"), "reserved name"),
        (("[processes.worker]", "[processes.cache]"), "both a service and a process"),
        (('command = ["python", "worker.py"]', "command = []"), "processes.worker.command"),
        (('command = ["python", "worker.py"]', ""), "processes.worker.command` is required"),
        (('image = "redis:7"', ""), "services.cache.image` is required"),
    ],
)
def test_bad_values_are_one_error_naming_the_key(tmp_path: Path, edit: tuple[str, str], needle: str) -> None:
    old, new = edit
    assert old in GOOD
    with pytest.raises(ConfigError) as err:
        parse(GOOD.replace(old, new, 1), tmp_path)
    message = str(err.value)
    assert needle in message
    assert "\n" not in message
    assert "dev\"" not in message  # the env value never shows


def test_error_gives_the_line(tmp_path: Path) -> None:
    text = GOOD.replace("tcp = 5432", "tcp = 70000")
    with pytest.raises(ConfigError) as err:
        parse(text, tmp_path)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "70000" in row)
    assert f"devparity.toml:{line}:" in str(err.value)


@pytest.mark.parametrize(
    ("word", "want"),
    [
        ("dev", ("dev", "app", "app")),
        ("prod", ("prod", "app", "app")),
        ("db", ("dev", "service", "db")),
        ("prod/db", ("prod", "service", "db")),
        ("worker", ("dev", "process", "worker")),
        ("prod/worker", ("prod", "process", "worker")),
        ("prod/app", ("prod", "app", "app")),
    ],
)
def test_component_words(tmp_path: Path, word: str, want: tuple[str, str, str]) -> None:
    c = roles.resolve_component(word, parse(GOOD, tmp_path))
    assert (c.role, c.kind, c.name) == want
    assert c.label() == (want[0] if want[1] == "app" else f"{want[0]}/{want[2]}")


@pytest.mark.parametrize("word", ["nope", "stage/db", "prod/nope", "dev/dev"])
def test_unknown_component_words(tmp_path: Path, word: str) -> None:
    with pytest.raises(UsageError) as err:
        roles.resolve_component(word, parse(GOOD, tmp_path))
    assert "\n" not in str(err.value)
