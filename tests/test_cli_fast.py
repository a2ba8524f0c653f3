"""The CLI's fast path (devparity.fastpath, issue 10): the most-run
commands with flag-only argv run from the console entry (devparity.entry)
without Typer, so neither Typer, Click, Rich, pydantic nor (with nothing to
stream, on a local socket) the Docker SDK is imported. It must agree with
the Typer declarations and give the answers Typer gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from devparity import cli, fastpath, toml
from devparity.choices import Format, UpRole
from tests.support import cli_process, python_project, run_cli
from tests.support.cli import REPO, process_env

def _click_command(word: str):  # type: ignore[no-untyped-def]
    return typer.main.get_command(cli.app).commands[word]  # type: ignore[attr-defined]


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


@pytest.mark.parametrize("word", sorted(fastpath.FAST))
def test_the_table_is_the_typer_declaration(word: str) -> None:
    command = fastpath.FAST[word]
    assert command.run is getattr(fastpath, word)  # the function the Typer command calls (below)
    declared = {p.name: p for p in _click_command(word).params}
    assert {o.param for o in command.options} == set(declared)  # every parameter, its default included
    for option in command.options:
        typer_opt = declared[option.param]
        if option.names:
            assert set(option.names) == set(typer_opt.opts) | set(typer_opt.secondary_opts), option
        else:  # the positional argument
            assert typer_opt.param_type_name == "argument" and not typer_opt.multiple, option
        assert _plain(option.default) == _plain(typer_opt.default), option
        if not option.parsed:
            continue
        if option.choices is None:
            assert typer_opt.is_flag and not typer_opt.multiple, option  # (an argument is never a flag)
        else:
            # Typer 0.24+ keeps the choices on its type descriptor, older Typer
            # (Python 3.9's) on Click's Choice type
            holder = getattr(typer_opt, "type_descriptor", None) or typer_opt.type
            assert {c.value for c in option.choices} == {_plain(v) for v in holder.choices}


ACCEPTED = [
    (["down"], {"volumes": False}),
    (["--debug", "-c", "x.toml", "down", "--volumes"], {"volumes": True}),
    (["--config=x.toml", "check"], {"fmt": Format.text, "offline": False, "strict": False, "target": None}),
    (["check", "--format", "json", "--strict"], {"fmt": Format.json, "offline": False, "strict": True, "target": None}),
    (["check", "--format=github", "--offline"], {"fmt": Format.github, "offline": True, "strict": False, "target": None}),
    (["status", "--json"], {"as_json": True}),
    (["build", "-q"], {"force": False, "quiet": True}),
    (["build", "--force", "--quiet"], {"force": True, "quiet": True}),
    (["up"], {"role": UpRole.dev, "detach": False, "wait": False, "wait_timeout": 60.0, "quiet": False}),
    (["up", "--detach", "--wait"], {"role": UpRole.dev, "detach": True, "wait": True, "wait_timeout": 60.0, "quiet": False}),
    (["up", "-d", "prod", "-q"], {"role": UpRole.prod, "detach": True, "wait": False, "wait_timeout": 60.0, "quiet": True}),
    (["up", "all", "--detach"], {"role": UpRole.all, "detach": True, "wait": False, "wait_timeout": 60.0, "quiet": False}),
]


@pytest.mark.parametrize(("argv", "kwargs"), ACCEPTED)
def test_argv_it_takes(argv: list[str], kwargs: dict[str, object]) -> None:
    call = fastpath.parse(argv, {})
    assert call is not None
    assert call.word == next(a for a in argv if a in fastpath.FAST)
    assert call.kwargs == kwargs
    assert call.debug == ("--debug" in argv)
    assert call.config == (Path("x.toml") if "x.toml" in " ".join(argv) else None)


@pytest.mark.parametrize(("argv", "kwargs"), ACCEPTED)
def test_typer_calls_the_same_function_with_the_same_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str], kwargs: dict[str, object]
) -> None:
    calls: list[dict[str, object]] = []
    call = fastpath.parse(argv, {})
    assert call is not None
    monkeypatch.setattr(fastpath, call.word, lambda **kw: calls.append(kw) or 0)
    r = run_cli(*argv, cwd=tmp_path)
    assert r.code == 0, r.output
    assert calls == [kwargs]


@pytest.mark.parametrize(
    "argv",
    [
        [], ["-h"], ["--help"], ["--version"], ["down", "--help"], ["down", "extra"], ["check", "--format"],
        ["check", "--format", "yaml"], ["check", "--offline", "--offline"], ["check", "--offline=1"],
        ["check", "--off"], ["-c", "--debug", "down"], ["-c"], ["--config=", "down"], ["status", "web"],
        ["logs"], ["up", "web"], ["up", "dev", "prod"], ["up", "--wait-timeout", "5"], ["up", "-dq"], ["-cx.toml", "down"], ["build", "-qf"], ["check", "--target", "docker://x"],
    ],
)  # fmt: skip
def test_argv_it_leaves_to_typer(argv: list[str]) -> None:
    assert fastpath.parse(argv, {}) is None


def test_a_completion_request_is_left_to_typer() -> None:
    assert fastpath.parse(["down"], {"PATH": "/bin"}) is not None
    assert fastpath.parse(["down"], {"_DEVPARITY_COMPLETE": "bash_complete"}) is None


@pytest.mark.parametrize(
    "argv",
    [("down",), ("check",), ("check", "--format", "json"), ("status", "--json"), ("build", "--quiet")],
)
def test_the_same_answers_as_typer(tmp_path: Path, argv: tuple[str, ...]) -> None:
    """Fast (a process: devparity.entry) and Typer (in-process: the app) alike:
    no engine at the address is exit 3, one line naming it; no config is 2."""
    python_project(tmp_path / "p", "fastpath")
    env = {"DOCKER_HOST": f"unix://{tmp_path / 'dead.sock'}"}
    fast = cli_process(*argv, cwd=tmp_path / "p", env=env)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKER_HOST", env["DOCKER_HOST"])
        slow = run_cli(*argv, cwd=tmp_path / "p")
    assert fast.code == slow.code == 3
    assert fast.stderr.strip() == slow.stderr.strip()
    assert "no Docker engine answers at" in fast.stderr
    (tmp_path / "empty").mkdir()
    fast, slow = cli_process(*argv, cwd=tmp_path / "empty"), run_cli(*argv, cwd=tmp_path / "empty")
    assert fast.code == slow.code == 2
    assert fast.stderr.strip() == slow.stderr.strip()


HEAVY = {"typer", "click", "rich", "pydantic", "pydantic_core", "docker", "requests", "urllib3", "paramiko"}


def _imported(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    """``python -X importtime -m devparity ARGV``'s exit code and the
    top-level packages it imported (as the interpreter itself reports)."""
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devparity", *argv],
        cwd=cwd, env=process_env(env), capture_output=True, text=True, check=False,
    )  # fmt: skip
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in r.stderr.splitlines() if line.startswith("import time:")}
    return r.returncode, names


@pytest.mark.parametrize("argv", [["down"], ["check", "--offline"], ["status"], ["-c", "devparity.toml", "down", "--volumes"], ["up", "--detach", "--wait"]])
def test_the_fast_path_imports_no_typer_nor_the_sdk(tmp_path: Path, argv: list[str]) -> None:
    python_project(tmp_path, "fastimports")
    code, names = _imported(argv, tmp_path, {"DOCKER_HOST": f"unix://{tmp_path / 'dead.sock'}"})
    assert code == 3
    assert "devparity" in names  # the report is read right
    assert names & HEAVY == set()


def test_other_argv_goes_to_typer(tmp_path: Path) -> None:
    for argv in (["--help"], ["down", "--help"], ["dwn"]):
        code, names = _imported(argv, tmp_path, {})
        assert code == (2 if argv == ["dwn"] else 0)
        assert "typer" in names


def test_the_console_script_and_python_m_are_the_entry_module() -> None:
    scripts = toml.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"devparity": "devparity.entry:main"}
    assert "from devparity.entry import main" in (REPO / "devparity" / "__main__.py").read_text()
    r = subprocess.run([sys.executable, "-m", "devparity", "--help"], env=process_env(), capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "Usage:" in r.stdout and "down" in r.stdout
