"""The CLI's fast path (devparity.cli._FAST, issue 10): the most-run
commands with flag-only argv skip Typer's parsing, so neither pydantic nor
(with nothing to stream, on a local socket) the Docker SDK is imported. It
must agree with the Typer declarations and give the answers Typer gives."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer

from devparity import cli
from tests.support import cli_process, python_project, run_cli
from tests.support.cli import process_env


def _click_command(word: str):  # type: ignore[no-untyped-def]
    return typer.main.get_command(cli.app).commands[word]  # type: ignore[attr-defined]


@pytest.mark.parametrize("word", sorted(cli._FAST))
def test_the_table_is_the_typer_declaration(word: str) -> None:
    command, options = cli._FAST[word]
    click_cmd = _click_command(word)
    assert click_cmd.callback.__name__ == command.__name__  # the same function runs
    declared = {opt: p for p in click_cmd.params for opt in p.opts}
    for name, (param, choices) in options.items():
        assert name in declared, name
        assert declared[name].name == param
        if choices is None:
            assert declared[name].is_flag
        else:
            # Typer 0.24+ keeps the choices on its type descriptor, older Typer
            # (Python 3.9's) on Click's Choice type
            holder = getattr(declared[name], "type_descriptor", None) or declared[name].type
            assert {c.value for c in choices} == {getattr(v, "value", v) for v in holder.choices}


@pytest.mark.parametrize(
    ("argv", "kwargs"),
    [
        (["down"], {"volumes": False}),
        (["--debug", "-c", "x.toml", "down", "--volumes"], {"volumes": True}),
        (["--config=x.toml", "check"], {"fmt": cli.Format.text, "offline": False, "strict": False, "target": None}),
        (["check", "--format", "json", "--strict"], {"fmt": cli.Format.json, "offline": False, "strict": True, "target": None}),
        (["check", "--format=github", "--offline"], {"fmt": cli.Format.github, "offline": True, "strict": False, "target": None}),
        (["status", "--json"], {"as_json": True}),
        (["build", "-q"], {"force": False, "quiet": True}),
    ],
)
def test_argv_it_takes(argv: list[str], kwargs: dict[str, object]) -> None:
    run = cli._fast(argv)
    assert run is not None
    bound = next(c.cell_contents for c in run.__closure__ or () if isinstance(c.cell_contents, dict))
    assert bound == kwargs


@pytest.mark.parametrize(
    "argv",
    [
        [], ["-h"], ["--help"], ["--version"], ["down", "--help"], ["down", "extra"], ["check", "--format"],
        ["check", "--format", "yaml"], ["check", "--offline", "--offline"], ["check", "--offline=1"],
        ["check", "--off"], ["-c", "--debug", "down"], ["-c"], ["--config=", "down"], ["status", "web"],
        ["logs"], ["up", "--detach"], ["-cx.toml", "down"], ["build", "-qf"], ["check", "--target", "docker://x"],
    ],
)  # fmt: skip
def test_argv_it_leaves_to_typer(argv: list[str]) -> None:
    assert cli._fast(argv) is None


def test_a_completion_request_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli._fast(["down"]) is not None
    monkeypatch.setenv("_DEVPARITY_COMPLETE", "bash_complete")
    assert cli._fast(["down"]) is None


@pytest.mark.parametrize(
    "argv",
    [("down",), ("check",), ("check", "--format", "json"), ("status", "--json"), ("build", "--quiet")],
)
def test_the_same_answers_as_typer(tmp_path: Path, argv: tuple[str, ...]) -> None:
    """Fast (a process: cli.main) and Typer (in-process: the app) alike:
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


def test_down_and_check_import_neither_pydantic_nor_the_sdk(tmp_path: Path) -> None:
    python_project(tmp_path, "fastimports")
    probe = textwrap.dedent(
        """
        import atexit, sys
        atexit.register(lambda: print("MODULES", *sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "docker", "requests", "paramiko"))))
        from devparity.cli import main
        main()
        """
    )
    for argv in (["down"], ["check", "--offline"]):
        env = process_env({"DOCKER_HOST": f"unix://{tmp_path / 'dead.sock'}"})
        r = subprocess.run([sys.executable, "-c", probe, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert r.returncode == 3, r.stderr
        assert "MODULES" in r.stdout
        assert r.stdout.split("MODULES", 1)[1].split() == [], r.stdout
