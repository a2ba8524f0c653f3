"""Service containers (issue 8): the pure spec builder, the pure half of the
ready probes and the ready wait, and `exec`'s target word.
No engine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from devparity import config as config_mod
from devparity import identity, labels, roles, services
from devparity.commands.attach import split_target
from devparity.roles import DEV, PROD, Mount, PortBinding

TOML = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000]

[services.db]
image = "postgres:15"
env = { POSTGRES_PASSWORD = "dev" }
ready = { tcp = 5432, timeout = 7 }
data = "/var/lib/postgresql/data"
ports = { 5432 = 15432 }

[services.cache]
image = "redis:7"
command = "redis-server --appendonly yes"
ready = { command = ["redis-cli", "ping"] }

[processes.worker]
command = ["python", "worker.py"]
"""


@pytest.fixture
def cfg(tmp_path: Path) -> config_mod.Config:
    (tmp_path / "devparity.toml").write_text(TOML)
    return config_mod.load(tmp_path / "devparity.toml")


def svc(cfg: config_mod.Config, name: str) -> config_mod.Service:
    return next(s for s in cfg.services if s.name == name)


def short(cfg: config_mod.Config) -> str:
    return identity.short(identity.checkout_id(cfg.root))


def test_a_dev_service_spec(cfg: config_mod.Config) -> None:
    spec = services.spec(cfg, DEV, svc(cfg, "db"), "postgres:15", image_id="sha256:pg")
    assert spec.name == f"shop-dev-db-{short(cfg)}" == roles.component_name(cfg, DEV, "db")
    assert spec.role == DEV and spec.image == "postgres:15"
    assert spec.env == {"POSTGRES_PASSWORD": "dev"}
    assert spec.command == ()  # the image's own CMD
    assert spec.user is None and spec.working_dir == ""
    assert spec.mounts == (Mount(f"shop-dev-db-{short(cfg)}-data", "/var/lib/postgresql/data"),)
    assert spec.ports == (PortBinding(5432, "127.0.0.1", 15432),)
    assert (spec.network, spec.aliases, spec.restart) == (roles.network_name(cfg, DEV), ("db",), "unless-stopped")
    assert spec.labels[labels.KIND] == labels.SERVICE and spec.labels[labels.COMPONENT] == "db"
    assert spec.labels[labels.ROLE] == DEV and spec.labels[labels.PROJECT] == "shop"
    assert spec.labels[labels.CHECKOUT] == identity.checkout_id(cfg.root)
    assert spec.labels[labels.INPUTS].startswith("sha256:")
    assert not spec.open_to_network()


def test_prod_gets_its_own_container_and_volume_and_publishes_nothing(cfg: config_mod.Config) -> None:
    dev = services.spec(cfg, DEV, svc(cfg, "db"), "postgres:15")
    prod = services.spec(cfg, PROD, svc(cfg, "db"), "postgres:15")
    assert prod.name != dev.name and prod.network != dev.network
    assert prod.mounts[0].source == f"shop-prod-db-{short(cfg)}-data" != dev.mounts[0].source
    assert prod.ports == ()
    assert prod.aliases == ("db",)


def test_a_string_command_runs_through_sh_and_no_data_means_no_volume(cfg: config_mod.Config) -> None:
    spec = services.spec(cfg, DEV, svc(cfg, "cache"), "redis:7")
    assert spec.command == ("/bin/sh", "-c", "redis-server --appendonly yes")
    assert spec.mounts == () and spec.ports == ()


def test_the_inputs_hash_follows_what_runs(cfg: config_mod.Config) -> None:
    db = svc(cfg, "db")
    base = services.spec(cfg, DEV, db, "postgres:15", image_id="sha256:a").labels[labels.INPUTS]
    assert services.spec(cfg, DEV, db, "postgres:15", image_id="sha256:a").labels[labels.INPUTS] == base
    assert services.spec(cfg, DEV, db, "postgres:15", image_id="sha256:b").labels[labels.INPUTS] != base
    other_env = replace(db, env={"POSTGRES_PASSWORD": "other"})
    assert services.spec(cfg, DEV, other_env, "postgres:15", image_id="sha256:a").labels[labels.INPUTS] != base
    assert services.spec(cfg, PROD, db, "postgres:15", image_id="sha256:a").labels[labels.INPUTS] != base


def test_a_running_matching_container_on_the_network_is_kept(cfg: config_mod.Config) -> None:
    spec = services.spec(cfg, DEV, svc(cfg, "db"), "postgres:15", image_id="sha256:a")
    inputs, net = spec.labels[labels.INPUTS], (spec.network or "",)
    assert services.reusable(spec, running=True, inputs=inputs, networks=net)
    assert not services.reusable(spec, running=False, inputs=inputs, networks=net)
    assert not services.reusable(spec, running=True, inputs="sha256:old", networks=net)
    assert not services.reusable(spec, running=True, inputs=inputs, networks=("bridge",))


def test_the_app_joins_the_role_network_only_with_services_or_processes(cfg: config_mod.Config, tmp_path: Path) -> None:
    assert roles.prod_spec(cfg, "sha256:i", inputs_hash="h").network == roles.network_name(cfg, PROD)
    plain = replace(cfg, services=(), processes=())
    assert roles.prod_spec(plain, "sha256:i", inputs_hash="h").network is None
    only_processes = replace(cfg, services=())
    assert roles.network_for(only_processes, DEV) == roles.network_name(cfg, DEV)


TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1 1 0 100 0 0 10 0
   1: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0300140A:1538 0200140A:D3A2 01 00000000:00000000 00:00000000 00000000   999        0 3 1 0 20 4 30 10 -1
"""
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
"""


def test_listening_ports_are_read_from_proc_net_tcp() -> None:
    assert services.listening(TCP) == {5432, 6379}  # the established 5432 connection adds nothing
    assert services.listening(TCP6) == {8000}  # 0x50 is TIME_WAIT, not listening
    assert services.listening("") == set()
    assert services.listening("header\n garbage line\n 0: zz:zz 0:0 0A\n") == set()


def test_the_probe_follows_ready(cfg: config_mod.Config) -> None:
    assert services.probe_for(svc(cfg, "db")) == services.Probe("tcp", port=5432, timeout=7)
    assert services.probe_for(svc(cfg, "cache")) == services.Probe("command", command=("redis-cli", "ping"), timeout=60)
    plain = replace(svc(cfg, "cache"), ready=config_mod.config_services.Ready())
    assert services.probe_for(plain).kind == "running"


def test_a_pid_is_trusted_only_inside_the_containers_cgroup() -> None:
    cid = "3268c86b62c7288ecc1ce09c334861a32f5926a39a3521d0510e5dac36ab9da5"
    assert services.cgroup_names(f"0::/docker/{cid}\n", cid)
    assert services.cgroup_names(f"0::/system.slice/docker-{cid}.scope\n", cid)
    assert not services.cgroup_names("0::/user.slice/session-1.scope\n", cid)
    assert not services.cgroup_names("0::/\n", "")


@pytest.mark.parametrize(
    ("argv", "want"),
    [
        ([], ("dev", [])),
        (["--", "ls"], ("dev", ["ls"])),
        (["ls", "-la"], ("dev", ["ls", "-la"])),
        (["prod"], ("prod", [])),
        (["db", "--", "psql"], ("db", ["psql"])),
        (["worker", "ps"], ("worker", ["ps"])),
        (["prod/db", "--", "id"], ("prod/db", ["id"])),
        (["dev/nothing"], ("dev/nothing", [])),  # resolved (and refused) by roles.resolve_component
        (["./script.sh"], ("dev", ["./script.sh"])),
        (["--", "db"], ("dev", ["db"])),
    ],
)
def test_exec_takes_a_component_word_first(cfg: config_mod.Config, argv: list[str], want: tuple[str, list[str]]) -> None:
    assert split_target(argv, cfg) == want


# -- the ready wait (devparity.backing), with the engine calls replaced ------


def info(cid: str, *, running: bool = True, status: str = "running", restarts: int = 0, code: int | None = None) -> object:
    from devparity.engine.models import ContainerInfo

    return ContainerInfo(cid, cid, {}, "sha256:x", status, running, code, None, None, restart_count=restarts)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def started(cfg: config_mod.Config, name: str) -> object:
    from devparity import backing

    s = svc(cfg, name)
    return backing.Started(s, services.spec(cfg, DEV, s, s.image), f"id-{name}")


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """backing's engine calls, answered from this dict: ``states`` per id,
    ``ports`` the listening set, ``logs`` the service's log lines."""
    from devparity import backing

    answers: dict[str, object] = {"states": {}, "ports": set(), "logs": []}
    monkeypatch.setattr(backing.containers, "inspect", lambda cid: answers["states"].get(cid))  # type: ignore[attr-defined]
    monkeypatch.setattr(backing, "listening_ports", lambda i: answers["ports"])
    monkeypatch.setattr(backing.probes, "run", lambda cid, argv: (answers.get("exec", 1), ""))
    monkeypatch.setattr(backing.containers, "logs", lambda cid, **kw: iter(answers["logs"]))  # type: ignore[arg-type]
    monkeypatch.setattr(backing.time, "sleep", lambda s: None)
    return answers


def test_services_wait_until_every_probe_answers(cfg: config_mod.Config, engine_calls: dict[str, object]) -> None:
    from devparity import backing

    db, cache = started(cfg, "db"), started(cfg, "cache")
    engine_calls["states"] = {"id-db": info("id-db"), "id-cache": info("id-cache")}
    engine_calls["ports"], engine_calls["exec"] = {5432}, 0
    backing.wait_ready(cfg, [db, cache], clock=FakeClock())  # type: ignore[list-item]


def test_a_service_not_ready_in_time_fails_with_its_masked_log(cfg: config_mod.Config, engine_calls: dict[str, object]) -> None:
    from devparity import backing
    from devparity.errors import EXIT_ENGINE, ServiceNotReady

    db = started(cfg, "db")
    db.service = replace(db.service, env={"POSTGRES_PASSWORD": "long-enough-pass"})  # type: ignore[attr-defined]
    engine_calls["states"] = {"id-db": info("id-db")}
    engine_calls["ports"] = {8080}  # listening, but not on the ready port
    engine_calls["logs"] = [b"starting\n", b"password is long-enough-pass; token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"]
    with pytest.raises(ServiceNotReady) as caught:
        backing.wait_ready(cfg, [db], clock=FakeClock())  # type: ignore[list-item]
    err = caught.value
    assert err.exit_code == EXIT_ENGINE
    assert "service dev/db was not ready within 7s" in str(err) and "devparity logs dev/db" in str(err)
    assert err.log_tail[0] == "starting"
    assert "ghp_" not in err.log_tail[1]
    assert "long-enough-pass" not in err.log_tail[1]  # POSTGRES_PASSWORD's value masked too
    assert err.log_tail[1].startswith("password is <masked:")


def test_a_service_that_exits_while_starting_fails_at_once(cfg: config_mod.Config, engine_calls: dict[str, object]) -> None:
    from devparity import backing
    from devparity.errors import ServiceNotReady

    clock = FakeClock()
    engine_calls["states"] = {"id-db": info("id-db", running=False, status="restarting", restarts=1, code=None)}
    with pytest.raises(ServiceNotReady, match=r"service dev/db exited before it was ready"):
        backing.wait_ready(cfg, [started(cfg, "db")], clock=clock)  # type: ignore[list-item]
    assert clock.now < 7  # long before the timeout
    engine_calls["states"] = {"id-db": info("id-db", running=False, status="exited", code=2)}
    with pytest.raises(ServiceNotReady, match=r"exited with code 2"):
        backing.wait_ready(cfg, [started(cfg, "db")], clock=FakeClock())  # type: ignore[list-item]


def test_each_image_volume_besides_data_gets_a_named_volume(cfg: config_mod.Config) -> None:
    db = svc(cfg, "db")
    spec = services.spec(cfg, DEV, db, "postgres:15", image_volumes=("/var/lib/postgresql/data", "/run/extra"))
    assert [m.target for m in spec.mounts] == ["/var/lib/postgresql/data", "/run/extra"]  # data's own is not doubled
    extra = spec.mounts[1].source
    assert extra.startswith(f"shop-dev-db-{short(cfg)}-vol-") and extra == services.image_volume(cfg, DEV, db, "/run/extra")
    cache = services.spec(cfg, PROD, svc(cfg, "cache"), "redis:7", image_volumes=("/data",))
    assert [m.target for m in cache.mounts] == ["/data"] and cache.mounts[0].source != extra
