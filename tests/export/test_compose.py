"""compose.yaml from the dev and prod specs and [services.*] (pure; the
real docker-compose runs it in tests/integration/test_export_compose.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from devparity import config as config_mod
from devparity.export import choose_image, compose, yamltext

IMAGE_ID = "sha256:" + "b" * 64
DIGEST = "sha256:" + "e" * 64
TOML = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000]
env = { APP_ENV = "production", DATABASE_URL = "postgresql://db/shop" }
cap_add = ["NET_BIND_SERVICE"]

[dev]
env = { APP_ENV = "development" }

[services.db]
image = "postgres:15"
env = { POSTGRES_PASSWORD = "dev-only" }
data = "/var/lib/postgresql/data"
ports = { 5432 = 15432 }
ready = { command = ["pg_isready", "-U", "postgres"], timeout = 30 }

[services.cache]
image = "redis:7"
ready = { tcp = 6379 }

[services.mail]
image = "mailhog/mailhog:v1.0.1"

[processes.worker]
command = ["python", "worker.py"]
env = { QUEUE = "default" }
"""


def doc(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "devparity.toml").write_text(TOML)
    cfg = config_mod.load(tmp_path / "devparity.toml")
    out = compose.document(cfg, choose_image(None, IMAGE_ID), uid=1000, gid=1000)
    # what is written is what was meant: the YAML reads back as the document
    assert yaml.safe_load(yamltext.dumps(out)) == out
    return out


def test_the_app_runs_in_a_dev_and_a_prod_profile_from_one_image(tmp_path: Path) -> None:
    services = doc(tmp_path)["services"]
    dev, prod = services["dev"], services["prod"]
    assert dev["image"] == prod["image"] == IMAGE_ID
    assert dev["profiles"] == ["dev"] and prod["profiles"] == ["prod"]
    assert dev["ports"] == ["127.0.0.1:8000:8000"] and prod["ports"] == ["127.0.0.1:9000:8000"]
    assert dev["user"] == "1000:1000" and "user" not in prod  # prod: the image's non-root user
    assert {"type": "bind", "source": ".", "target": "/app"} in dev["volumes"] and "volumes" not in prod
    assert dev["environment"]["APP_ENV"] == "development" and prod["environment"]["APP_ENV"] == "production"
    assert not any(k.startswith("DEVPARITY_") for k in dev["environment"])
    assert prod["cap_drop"] == ["ALL"] and prod["cap_add"] == ["NET_BIND_SERVICE"]
    assert dev["security_opt"] == prod["security_opt"] == ["no-new-privileges"]
    assert dev["command"] == ["/bin/sh", "-c", "exec python app.py"] and prod["command"] == ["python", "app.py"]


def test_each_role_has_its_network_services_and_data(tmp_path: Path) -> None:
    d = doc(tmp_path)
    services = d["services"]
    assert set(d["networks"]) == {"dev", "prod"}
    for role in ("dev", "prod"):
        db = services[f"db-{role}"]
        assert db["profiles"] == [role]
        assert db["networks"] == {role: {"aliases": ["db"]}}  # the app reaches it as `db`
        assert db["volumes"] == [{"type": "volume", "source": f"db-{role}-data", "target": "/var/lib/postgresql/data"}]
        assert services[role]["networks"] == [role]
    assert services["db-dev"]["ports"] == ["127.0.0.1:15432:5432"]
    assert "ports" not in services["db-prod"]  # only dev publishes service ports
    assert set(d["volumes"]) == {"db-dev-data", "db-prod-data"}


def test_ready_becomes_a_healthcheck_and_the_app_waits_for_it(tmp_path: Path) -> None:
    services = doc(tmp_path)["services"]
    assert services["db-dev"]["healthcheck"]["test"] == ["CMD", "pg_isready", "-U", "postgres"]
    assert services["db-dev"]["healthcheck"]["retries"] == 15  # 30 s at 2 s
    tcp = services["cache-dev"]["healthcheck"]["test"]
    assert tcp[0] == "CMD-SHELL" and ":18EB " in tcp[1]  # 6379 in /proc/net/tcp's hex
    assert "healthcheck" not in services["mail-dev"]
    assert services["dev"]["depends_on"] == {
        "db-dev": {"condition": "service_healthy"},
        "cache-dev": {"condition": "service_healthy"},
        "mail-dev": {"condition": "service_started"},
    }


def test_a_process_is_the_app_with_its_own_command(tmp_path: Path) -> None:
    services = doc(tmp_path)["services"]
    worker = services["worker-dev"]
    assert worker["image"] == IMAGE_ID and worker["command"] == ["python", "worker.py"]
    assert worker["environment"]["QUEUE"] == "default" and worker["environment"]["APP_ENV"] == "development"
    assert "ports" not in worker and worker["volumes"] == services["dev"]["volumes"]
    assert services["worker-prod"]["environment"]["APP_ENV"] == "production"


def test_service_images_are_what_the_caller_pinned(tmp_path: Path) -> None:
    (tmp_path / "devparity.toml").write_text(TOML)
    cfg = config_mod.load(tmp_path / "devparity.toml")
    out = compose.document(cfg, choose_image(None, IMAGE_ID), uid=1, gid=1, service_images={"db": f"postgres@{DIGEST}"})
    assert out["services"]["db-dev"]["image"] == out["services"]["db-prod"]["image"] == f"postgres@{DIGEST}"
    assert out["services"]["cache-dev"]["image"] == "redis:7"  # not pinned: the config's tag


def test_the_listening_probe_matches_proc_net_tcp_lines() -> None:
    import re

    pattern = compose.listening_test(8000)[1].split("'")[1]
    listen = "   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000"
    established = "   2: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000"
    assert re.search(pattern, listen) and not re.search(pattern, established)


def test_yaml_text_keeps_every_string_a_string() -> None:
    tricky = {"A": "yes", "B": "0755", "C": "a: b # c\n", "on": "x", "D": "", "E": "${HOME}", "F": "é"}
    assert yaml.safe_load(yamltext.dumps({"environment": tricky})) == {"environment": tricky}


def test_a_dollar_reaches_the_container_as_written(tmp_path: Path) -> None:
    (tmp_path / "devparity.toml").write_text(TOML.replace('APP_ENV = "production"', 'APP_ENV = "production", PRICE = "$5 ${X}"'))
    cfg = config_mod.load(tmp_path / "devparity.toml")
    out = compose.document(cfg, choose_image(None, IMAGE_ID), uid=1, gid=1)
    assert out["services"]["prod"]["environment"]["PRICE"] == "$$5 $${X}"  # Compose reads $$ as $
