"""Container specs for dev and prod (pure; no engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import config as config_mod
from devparity import identity, roles, runtimes
from devparity.roles import DEV, DEV_HOME, PROD, SUPERVISOR_PATH, Mount, PortBinding

TOML = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000, 9100]
env = { APP_ENV = "production", PORT = "8000", KEEP = "1" }

[dev]
env = { APP_ENV = "development" }
"""


def load(tmp_path: Path, extra: str = "") -> config_mod.Config:
    path = tmp_path / "devparity.toml"
    path.write_text(TOML + extra)
    return config_mod.load(path)


def dev(cfg: config_mod.Config, **kw: object) -> roles.ContainerSpec:
    args: dict = {"inputs_hash": "sha256:in", "uid": 1234, "gid": 99, "supervisor": "/host/supervise.sh"}
    args.update(kw)
    return roles.dev_spec(cfg, "sha256:img", **args)


def test_dev_overlays_the_prod_image(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    spec = dev(cfg)
    assert spec.name == f"shop-dev-{identity.checkout_id(tmp_path)[:8]}" and spec.role == DEV
    assert spec.image == "sha256:img"
    assert spec.user == "1234:99"
    assert spec.working_dir == "/app"
    assert Mount(str(tmp_path.resolve()), "/app") in spec.mounts
    assert Mount("/host/supervise.sh", SUPERVISOR_PATH, read_only=True) in spec.mounts
    assert spec.command == ("/bin/sh", SUPERVISOR_PATH, "python", "app.py")
    assert spec.init is True
    assert spec.tmpfs == {DEV_HOME: "rw,exec,mode=1777"}


def test_dev_env_is_app_env_overlaid_by_dev_env(tmp_path: Path) -> None:
    spec = dev(load(tmp_path))
    assert spec.env["APP_ENV"] == "development"
    assert spec.env["KEEP"] == "1" and spec.env["PORT"] == "8000"
    assert spec.env["HOME"] == DEV_HOME
    assert spec.env["DEVPARITY_RELOAD"] == "restart"
    assert spec.env["DEVPARITY_ON_EXIT"] == "wait"
    assert dev(load(tmp_path), watching=False).env["DEVPARITY_ON_EXIT"] == "exit"


def test_dev_command_and_reload_mode(tmp_path: Path) -> None:
    text = TOML.replace("[dev]\n", '[dev]\ncommand = "flask run --reload"\nreload = "signal:HUP"\n')
    (tmp_path / "devparity.toml").write_text(text)
    cfg = config_mod.load(tmp_path / "devparity.toml")
    spec = dev(cfg)
    assert spec.command == ("/bin/sh", SUPERVISOR_PATH, "/bin/sh", "-c", "flask run --reload")
    assert spec.env["DEVPARITY_RELOAD"] == "signal:HUP"


def test_ports_bind_loopback_unless_asked(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    assert dev(cfg).ports == (PortBinding(8000, "127.0.0.1", 8000), PortBinding(9100, "127.0.0.1", 9100))
    text = TOML.replace("[dev]\n", '[dev]\nhost = "0.0.0.0"\nports = { 8000 = 8080 }\n')
    (tmp_path / "devparity.toml").write_text(text)
    spec = dev(config_mod.load(tmp_path / "devparity.toml"))
    assert spec.ports[0] == PortBinding(8000, "0.0.0.0", 8080)
    assert spec.ports[0].url() == "http://0.0.0.0:8080"


def test_prod_is_the_same_image_without_the_overlay(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    prod = roles.prod_spec(cfg, "sha256:img", inputs_hash="sha256:in")
    d = dev(cfg)
    assert prod.image == d.image
    assert prod.name == f"shop-prod-{identity.checkout_id(tmp_path)[:8]}" and prod.role == PROD
    assert prod.mounts == () and prod.tmpfs == {}
    assert prod.user is None  # the image's non-root user
    assert prod.command == ("python", "app.py")
    assert prod.env == {"APP_ENV": "production", "PORT": "8000", "KEEP": "1"}
    assert prod.init is True
    # prod's own host ports: container port + 1000 by default
    assert [(p.container, p.host_ip, p.host_port) for p in prod.ports] == [
        (8000, "127.0.0.1", 9000),
        (9100, "127.0.0.1", 10100),
    ]


def test_prod_ports_overridable(tmp_path: Path) -> None:
    cfg = load(tmp_path, "\n[prod]\nports = { 8000 = 18000 }\n")
    prod = roles.prod_spec(cfg, "sha256:img", inputs_hash="h")
    assert prod.ports[0] == PortBinding(8000, "127.0.0.1", 18000)


def test_labels_name_project_role_and_inputs(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    d = dev(cfg)
    p = roles.prod_spec(cfg, "sha256:img", inputs_hash="sha256:in")
    for spec, role in ((d, DEV), (p, PROD)):
        assert spec.labels["devparity.project"] == "shop"
        assert spec.labels["devparity.role"] == role
        assert spec.labels["devparity.inputs"] == "sha256:in"
        assert spec.labels["devparity.checkout"] == identity.checkout_id(tmp_path)
        assert "devparity.created" not in spec.labels  # set at create time, not in the (comparable) spec


def test_two_clones_with_one_name_get_distinct_names_and_checkouts(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ca, cb = load(a), load(b)
    assert ca.name == cb.name == "shop"
    for make in (dev, lambda c: roles.prod_spec(c, "sha256:img", inputs_hash="h")):
        sa, sb = make(ca), make(cb)
        assert sa.name != sb.name
        assert sa.labels["devparity.checkout"] != sb.labels["devparity.checkout"]


def test_dev_and_prod_run_without_new_privileges(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    d = dev(cfg)
    p = roles.prod_spec(cfg, "sha256:img", inputs_hash="h")
    assert d.security_opt == p.security_opt == ("no-new-privileges",)
    assert p.cap_drop == ("ALL",) and p.cap_add == ()
    assert d.cap_drop == () and d.cap_add == ()  # dev keeps the default set (it runs as the host user)


def test_prod_keeps_only_the_capabilities_cap_add_lists(tmp_path: Path) -> None:
    text = TOML.replace('command = ["python", "app.py"]', 'command = ["python", "app.py"]\ncap_add = ["NET_BIND_SERVICE"]')
    (tmp_path / "devparity.toml").write_text(text)
    p = roles.prod_spec(config_mod.load(tmp_path / "devparity.toml"), "sha256:img", inputs_hash="h")
    assert p.cap_drop == ("ALL",) and p.cap_add == ("NET_BIND_SERVICE",)


@pytest.mark.parametrize(
    ("host", "open_"),
    [("127.0.0.1", False), ("127.0.0.2", False), ("::1", False),
     ("0.0.0.0", True), ("::", True), ("192.168.1.5", True)],
)
def test_a_port_beyond_loopback_is_open_to_the_network(tmp_path: Path, host: str, open_: bool) -> None:
    text = TOML.replace("[dev]\n", f'[dev]\nhost = "{host}"\n')
    (tmp_path / "devparity.toml").write_text(text)
    assert dev(config_mod.load(tmp_path / "devparity.toml")).open_to_network() is open_
    assert roles.is_loopback(host) is not open_


def test_a_host_name_counts_as_open_and_localhost_as_loopback() -> None:
    assert roles.is_loopback("myhost.example") is False
    assert roles.is_loopback("localhost") is True


def test_specs_compare_equal_when_nothing_changed(tmp_path: Path) -> None:
    # the dev loop recreates a container only when its spec changed
    cfg = load(tmp_path)
    assert dev(cfg) == dev(cfg)
    assert dev(cfg) != dev(cfg, inputs_hash="sha256:other")


@pytest.mark.parametrize(("requested", "expected"), [("dev", (DEV,)), ("prod", (PROD,)), ("all", (DEV, PROD))])
def test_roles_for(requested: str, expected: tuple[str, ...]) -> None:
    assert roles.roles_for(requested) == expected


def test_argv() -> None:
    assert roles.argv(["node", "server.js"]) == ("node", "server.js")
    assert roles.argv("npm start") == ("/bin/sh", "-c", "npm start")


def test_dev_can_hide_a_host_dir_that_shadows_the_image_deps(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    spec = dev(cfg, hide=("node_modules",))
    assert spec.tmpfs["/app/node_modules"].startswith("rw")
    assert runtimes.get("node").shadowed == ("node_modules",)


def test_up_warns_when_a_port_is_open_to_the_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devparity.commands.up import warn_if_open

    warn_if_open(dev(load(tmp_path)))
    assert capsys.readouterr().err == ""
    text = TOML.replace("[dev]\n", '[dev]\nhost = "0.0.0.0"\n')
    (tmp_path / "devparity.toml").write_text(text)
    warn_if_open(dev(config_mod.load(tmp_path / "devparity.toml")))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning:" in err
    assert "0.0.0.0" in err and "open to the network" in err and '[dev].host = "127.0.0.1"' in err
