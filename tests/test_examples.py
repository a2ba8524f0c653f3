"""The examples validate as they are shipped (a broken example is the first
thing a new user runs), and examples/services has the shape issue 8's
must-show tests rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import config

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if (p / "devparity.toml").is_file()))
def test_every_example_config_loads(name: str) -> None:
    cfg = config.load(EXAMPLES / name / "devparity.toml")
    assert cfg.name == name


def test_services_example_runs_db_cache_and_a_worker_from_the_app_image() -> None:
    cfg = config.load(EXAMPLES / "services" / "devparity.toml")
    services = {s.name: s for s in cfg.services}
    assert sorted(services) == ["cache", "db"]
    assert services["db"].image == "postgres:15"
    assert services["db"].data == "/var/lib/postgresql/data"
    assert services["db"].ready.tcp == 5432
    assert services["cache"].image == "redis:7"
    [worker] = cfg.processes
    assert worker.name == "worker" and worker.command == ("python", "worker.py")
    assert (EXAMPLES / "services" / "worker.py").is_file()
    # the app reaches the services by their names on the role's network
    assert "@db:5432/" in cfg.env["DATABASE_URL"]
    assert cfg.env["REDIS_URL"].startswith("redis://cache:6379/")
    requirements = (EXAMPLES / "services" / "requirements.txt").read_text()
    assert "psycopg[binary]" in requirements and "redis" in requirements
