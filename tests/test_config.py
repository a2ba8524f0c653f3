from __future__ import annotations

from pathlib import Path

import pytest

from devparity import config
from devparity.errors import ConfigError

MINIMAL = """\
[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000]
"""


def parse(text: str, tmp_path: Path) -> config.Config:
    path = tmp_path / "devparity.toml"
    path.write_text(text)
    return config.load(path)


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    cfg = parse(MINIMAL, tmp_path)
    assert cfg.name == tmp_path.name
    assert cfg.workdir == "/app"
    assert cfg.dev_command == ["python", "app.py"]
    assert cfg.reload == "restart"
    assert cfg.dev_ports == {8000: 8000}
    assert cfg.prod_ports == {8000: 9000}
    assert cfg.dev_host == "127.0.0.1" and cfg.prod_host == "127.0.0.1"
    assert cfg.build_network == "host"


def test_example_file_is_valid(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "devparity.toml.example"
    cfg = parse(example.read_text(), tmp_path)
    assert cfg.name == "shop"
    assert cfg.allow and cfg.allow[0].rule == "package"


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse(MINIMAL + "\n[dev\nreload = 1\n", tmp_path)
    msg = str(err.value)
    assert "devparity.toml" in msg and "line 9" in msg and "column" in msg


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse(MINIMAL.replace("ports = [8000]", "prots = [8000]"), tmp_path)
    msg = str(err.value)
    assert "`app.prots`" in msg and "did you mean `ports`" in msg and "devparity.toml:7" in msg


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown section \[dependecies\].*did you mean `dependencies`"):
        parse(MINIMAL + "\n[dependecies]\nfiles = []\n", tmp_path)


@pytest.mark.parametrize(
    ("line", "path", "expected"),
    [
        ('ports = ["8000"]', "app.ports", "a list of integers"),
        ('ports = 8000', "app.ports", "a list of integers"),
        ('command = 3', "app.command", "a list of strings or a string"),
    ],
)
def test_wrong_type_names_key_path_and_type(tmp_path: Path, line: str, path: str, expected: str) -> None:
    text = MINIMAL.replace("ports = [8000]", line) if "ports" in line else MINIMAL.replace('command = ["python", "app.py"]', line)
    with pytest.raises(ConfigError) as err:
        parse(text, tmp_path)
    assert f"`{path}` must be {expected}" in str(err.value)


def test_wrong_type_in_nested_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"`dev.env` must be a table of strings"):
        parse(MINIMAL + "\n[dev]\nenv = { DEBUG = 1 }\n", tmp_path)


def test_missing_required_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="runtime.language` is required"):
        parse('[app]\ncommand = "x"\n', tmp_path)
    with pytest.raises(ConfigError, match="app.command` is required"):
        parse('[runtime]\nlanguage = "node"\nversion = "18"\n', tmp_path)


@pytest.mark.parametrize(
    ("section", "line", "needle"),
    [
        ("runtime", 'language = "ruby"', "must be one of python, node"),
        ("dev", 'reload = "sometimes"', "signal:NAME"),
        ("dev", 'source = "rsync"', '"auto", "mount" or "sync"'),
        ("app", 'workdir = "relative"', "absolute path"),
        ("dependencies", 'files = ["../secret.txt"]', "inside the project"),
    ],
)
def test_bad_values(tmp_path: Path, section: str, line: str, needle: str) -> None:
    text = MINIMAL.replace('language = "python"', "") if "language" in line else MINIMAL
    if section in ("runtime", "app"):
        text = text.replace(f"[{section}]", f"[{section}]\n{line}")
    else:
        text += f"\n[{section}]\n{line}\n"
    with pytest.raises(ConfigError, match=needle):
        parse(text, tmp_path)


def test_dev_source_defaults_to_auto(tmp_path: Path) -> None:
    assert parse(MINIMAL, tmp_path).dev_source == "auto"
    assert parse(MINIMAL + '\n[dev]\nsource = "sync"\n', tmp_path).dev_source == "sync"


def test_port_overrides(tmp_path: Path) -> None:
    cfg = parse(MINIMAL + '\n[prod]\nports = { 8000 = 18080 }\n[dev]\nhost = "0.0.0.0"\n', tmp_path)
    assert cfg.prod_ports == {8000: 18080}
    assert cfg.dev_host == "0.0.0.0"


def test_image_inputs_exclude_dev_and_check(tmp_path: Path) -> None:
    a = parse(MINIMAL, tmp_path).image_inputs()
    b = parse(MINIMAL + '\n[dev]\nreload = "none"\n[check]\nallow = []\n', tmp_path).image_inputs()
    c = parse(MINIMAL.replace("8000", "8001"), tmp_path).image_inputs()
    assert a == b
    assert a != c


def test_find_config_walks_up(tmp_path: Path) -> None:
    (tmp_path / "devparity.toml").write_text(MINIMAL)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert config.find_config(sub) == tmp_path / "devparity.toml"
    with pytest.raises(ConfigError, match="devparity init"):
        config.find_config(tmp_path.parent / "nowhere-such")
