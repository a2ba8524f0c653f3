"""The validation boundary (issue 7): the grammars in devparity.validate, the
config rules built on them, safe project-file reads and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from devparity import cache, config, files, inputs, validate
from devparity.errors import ConfigError, UsageError

MINIMAL = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[dependencies]
files = ["requirements.txt"]

[app]
command = ["python", "app.py"]
ports = [8000]
"""


def load(tmp_path: Path, text: str = MINIMAL) -> config.Config:
    (tmp_path / "requirements.txt").touch()
    path = tmp_path / "devparity.toml"
    path.write_text(text)
    return config.load(path)


def add(section: str, line: str, text: str = MINIMAL) -> str:
    header = f"[{section}]\n"
    return text.replace(header, header + line + "\n", 1) if header in text else text + f"\n{header}{line}\n"


def rejects(tmp_path: Path, text: str, *needles: str) -> str:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    msg = str(err.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, msg
    return msg


# --- grammars (pure) ---------------------------------------------------------


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\tb", "\x00", "\x1b[31m", "\x7f", "\x85", "a\u2028b"])
def test_control_characters(text: str) -> None:
    assert validate.control_char(text)


def test_plain_text_is_not_control() -> None:
    assert not validate.control_char("héllo wörld $HOME \"quoted\" \\back")


@pytest.mark.parametrize(("name", "ok"), [("A", True), ("_x1", True), ("DB_PASS", True), ("1A", False), ("A-B", False), ("A B", False), ("", False), ("É", False)])
def test_env_names(name: str, ok: bool) -> None:
    assert (validate.env_name(name) is None) is ok


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ("curl", True), ("libpq-dev", True), ("g++", True), ("libc6:i386", True), ("curl=7.88.1-10+deb12u5", True),
        ("python3.11", True), ("tzdata=2024a-0+deb12u1", True), ("1:2", False),
        ("c", False), ("Curl", False), ("curl; echo $(id)", False), ("-curl", False), ("curl=", False), ("curl=abc", False),
        ("curl foo", False),
    ],
)
def test_debian_package_names(spec: str, ok: bool) -> None:
    assert (validate.package(spec) is None) is ok


@pytest.mark.parametrize(("name", "ok"), [("app", True), ("_svc", True), ("web-1", True), ("a" * 32, True), ("a" * 33, False), ("App", False), ("1app", False), ("app; echo X", False), ("root", False)])
def test_user_names(name: str, ok: bool) -> None:
    assert (validate.user(name) is None) is ok


DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("python:3.11-slim", True), ("python", True), ("library/python:3", True), ("127.0.0.1:5000/py:3.11", True),
        ("ghcr.io/org/img:v1.2", True), (f"python@{DIGEST}", True), (f"python:3.11@{DIGEST}", True),
        ("localhost/a__b:x", True),
        ("Python:3", False), ("python@sha256:abc", False), (f"python@sha512:{'a' * 64}", False), ("python:", False),
        ("python:3 RUN x", False), ("a..b", False), ("-x", False), ("python:" + "t" * 129, False), ("", False),
    ],
)
def test_image_references(ref: str, ok: bool) -> None:
    assert (validate.image_ref(ref) is None) is ok


@pytest.mark.parametrize(("name", "ok"), [("shop", True), ("Shop", True), ("my-app", True), ("a.b_c__d--e", True), ("hello.", False), ("a..b", False), ("x-", False), ("-x", False), ("a___b", False), ("a" * 300, False), ("a" * 128, True), ("", False)])
def test_project_names(name: str, ok: bool) -> None:
    assert (validate.project_name(name) is None) is ok


@pytest.mark.parametrize("dirname", ["My App", "x-", "hello.", "a..b", "___", "ünïcode", "a" * 300])
def test_suggested_project_names_are_valid(dirname: str) -> None:
    assert validate.project_name(validate.suggest_project_name(dirname)) is None


@pytest.mark.parametrize(("mode", "ok"), [("restart", True), ("none", True), ("signal:HUP", True), ("signal:USR1", True), ("restart\n", False), ("signal:NOTASIG", False), ("signal:hup", False), ("signal:", False), ("Restart", False)])
def test_reload_modes(mode: str, ok: bool) -> None:
    assert (validate.reload(mode) is None) is ok


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("/app", True), ("/srv/app", True), ("/home/app/src", True), ("/usr/src/app", True), ("/app/", True),
        ("/", False), ("/opt/venv", False), ("/opt", False), ("/opt/venv/x", False), ("/opt/deps", False),
        ("/usr", False), ("/usr/lib", False), ("/usr/src", False), ("/etc", False), ("/bin", False), ("/proc/1", False),
        ("/.devparity", False), ("/tmp", False), ("/tmp/devparity-home", False), ("/app/../etc", False), ("app", False),
    ],
)
def test_workdirs(path: str, ok: bool) -> None:
    assert (validate.workdir(path) is None) is ok


@pytest.mark.parametrize(("cap", "ok"), [("NET_BIND_SERVICE", True), ("CAP_NET_BIND_SERVICE", True), ("net_admin", True), ("ALL", False), ("NOT_A_CAP", False)])
def test_capabilities(cap: str, ok: bool) -> None:
    assert (validate.capability(cap) is None) is ok


@pytest.mark.parametrize(("host", "ok"), [("127.0.0.1", True), ("0.0.0.0", True), ("::1", True), ("localhost", False), ("1.2.3", False)])
def test_hosts(host: str, ok: bool) -> None:
    assert (validate.host(host) is None) is ok


@pytest.mark.parametrize(("rel", "ok"), [("requirements.txt", True), ("reqs/base.txt", True), ("", False), (".", False), ("./", False), ("/etc/passwd", False), ("../x", False), ("a/../../x", False), ("dir/", False)])
def test_project_paths(rel: str, ok: bool) -> None:
    assert (validate.project_path(rel) is None) is ok


@pytest.mark.parametrize("rel", ["x.txt;echo X;.txt", "a b.txt", "$(id).txt", "*.txt", "a`b`"])
def test_dependency_file_names_are_shell_safe(rel: str) -> None:
    assert validate.project_path(rel) is None
    assert validate.project_path(rel, dep_file=True) is not None


# --- config rules --------------------------------------------------------------


def test_no_value_is_echoed_in_type_errors(tmp_path: Path) -> None:
    msg = rejects(tmp_path, MINIMAL.replace("[app]\n", '[app]\nenv = ["PASSWORD=hunter2"]\n'), "`app.env`", "a list")
    assert "hunter2" not in msg


def test_control_character_anywhere_is_rejected(tmp_path: Path) -> None:
    rejects(tmp_path, add("check", 'allow = [{ rule = "package", name = "x", reason = "a\\nb" }]'), "check.allow", "control character")
    rejects(tmp_path, add("dev", 'ignore = ["*.log\\n"]'), "dev.ignore")


def test_prod_default_port_above_range_names_prod_ports(tmp_path: Path) -> None:
    rejects(tmp_path, MINIMAL.replace("ports = [8000]", "ports = [65000]"), "`prod.ports`", "66000")
    cfg = load(tmp_path, add("prod", 'ports = { "65000" = 64000 }', MINIMAL.replace("ports = [8000]", "ports = [65000]")))
    assert cfg.prod_ports == {65000: 64000}


def test_host_port_collisions(tmp_path: Path) -> None:
    two = MINIMAL.replace("ports = [8000]", "ports = [8000, 9000]")
    rejects(tmp_path, two, "`prod.ports`", "9000")
    # on different addresses the same host port is fine; on 0.0.0.0 it clashes with any address
    cfg = load(tmp_path, add("prod", 'host = "127.0.0.2"', two))
    assert cfg.prod_ports[8000] == cfg.dev_ports[9000] == 9000
    rejects(tmp_path, add("prod", 'host = "0.0.0.0"', two), "`prod.ports`")
    rejects(tmp_path, add("dev", 'ports = { "8000" = 8080, "9000" = 8080 }', two), "`dev.ports`", "one host port")


def test_port_map_keys(tmp_path: Path) -> None:
    rejects(tmp_path, add("dev", 'ports = { "٨٠٠٠" = 8000 }'), "`dev.ports`", "ASCII digits")
    rejects(tmp_path, add("dev", 'ports = { "8001" = 8001 }'), "`dev.ports`", "8001")
    rejects(tmp_path, add("dev", 'ports = { "0" = 8001 }'), "`dev.ports`")
    assert load(tmp_path, add("dev", 'ports = { "8000" = 8080 }')).dev_ports == {8000: 8080}


def test_directory_name_with_bad_characters_gets_a_valid_default_name(tmp_path: Path) -> None:
    project = tmp_path / "My App."
    project.mkdir()
    cfg = load(project, MINIMAL.replace('name = "shop"', ""))
    assert cfg.name == "my-app"


def test_dependency_directory_rejected_at_load(tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    rejects(tmp_path, MINIMAL.replace('"requirements.txt"', '"reqs"'), "`dependencies.files`", "directory")


def test_workdir_is_normalised(tmp_path: Path) -> None:
    assert load(tmp_path, add("app", 'workdir = "/srv//app/"')).workdir == "/srv/app"


def test_find_config_refuses_a_directory_named_devparity_toml(tmp_path: Path) -> None:
    (tmp_path / "devparity.toml").write_text(MINIMAL)
    child = tmp_path / "child"
    (child / "devparity.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        config.find_config(child)


def test_binary_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "devparity.toml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)


# --- project files -------------------------------------------------------------


def test_read_bytes_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        files.read_bytes(fifo, cap=10)


def test_read_bytes_cap(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * (2 * files.MB + 1))
    with pytest.raises(ConfigError, match="2 MB cap"):
        files.read_bytes(big, cap=2 * files.MB)


def test_dependency_symlinks_must_stay_in_the_project(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "requirements.txt").symlink_to("/etc/passwd")
    with pytest.raises(ConfigError, match="outside the project"):
        inputs.dependency_hashes(cfg)
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "real.txt").write_text("flask\n")
    (tmp_path / "requirements.txt").symlink_to("real.txt")
    assert inputs.dependency_hashes(cfg)["requirements.txt"] == inputs.sha256_bytes(b"flask\n")


def test_unreadable_source_file_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("x")

    def denied(*_a: object, **_k: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ConfigError, match="a.py: Permission denied"):
        inputs.source_hash(tmp_path, ["a.py"])


# --- atomic writes ----------------------------------------------------------------


def test_atomic_write_respects_umask_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    old = os.umask(0o027)
    try:
        cache.atomic_write_text(target, "a")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o664)
    cache.atomic_write_text(target, "b")
    assert stat.S_IMODE(target.stat().st_mode) == 0o664 and target.read_text() == "b"


def test_atomic_write_failure_is_a_usage_error_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(UsageError, match="cannot write .*No space left"):
        cache.atomic_write_text(tmp_path / "f.txt", "a")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_removes_dead_writers_leftovers_only(tmp_path: Path) -> None:
    dead = tmp_path / ".f.txt.999999999.abc.tmp"  # no such pid
    live = tmp_path / f".f.txt.{os.getpid()}.abc.tmp"
    other = tmp_path / ".g.txt.999999999.abc.tmp"
    for p in (dead, live, other):
        p.write_text("torn")
    cache.atomic_write_text(tmp_path / "f.txt", "a")
    assert not dead.exists() and live.exists() and other.exists()
