"""Whole commands, as a user runs them: exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import cli_process, python_project, run_cli, write_files


def assert_one_line_error(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t + "\n[dev\n", "line "),
        (lambda t: t.replace("ports = [8000]", "port = [8000]"), "did you mean `ports`"),
        (lambda t: t.replace("ports = [8000]", 'ports = "8000"'), "`app.ports` must be a list of integers"),
    ],
    ids=["syntax", "unknown-key", "wrong-type"],
)
def test_config_errors_exit_2_with_one_line(tmp_path: Path, edit, needle: str) -> None:  # type: ignore[no-untyped-def]
    python_project(tmp_path, "shop")
    toml = tmp_path / "devparity.toml"
    toml.write_text(edit(toml.read_text()))
    for command in (["build"], ["lock", "--check"], ["render"]):
        r = cli_process(*command, cwd=tmp_path)
        assert r.exit_code == 2, (command, r.stderr)
        assert needle in r.stderr
        assert_one_line_error(r.stderr)


def test_unreachable_engine_exits_3_naming_the_address(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    sock = tmp_path / "no-engine.sock"
    r = cli_process("build", cwd=tmp_path, env={"DOCKER_HOST": f"unix://{sock}"})
    assert r.exit_code == 3
    assert str(sock) in r.stderr and "scripts/engine" in r.stderr
    assert_one_line_error(r.stderr)


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    python_project(tmp_path, "shop")
    (tmp_path / "devparity.toml").write_text("[dev\n")
    r = cli_process("--debug", "render", cwd=tmp_path)
    assert r.exit_code != 0 and "Traceback" in r.stderr


def test_no_config_found(tmp_path: Path) -> None:
    r = run_cli("render", cwd=tmp_path)
    assert r.exit_code == 2 and "devparity init" in r.stderr


def test_init_writes_config_and_dockerignore(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "requirements.txt": "", "app.py": ""})
    r = run_cli("init", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert "python 3.11 (from .python-version)" in r.stderr
    text = (tmp_path / "devparity.toml").read_text()
    assert 'version = "3.11"' in text and 'files = ["requirements.txt"]' in text
    ignore = (tmp_path / ".dockerignore").read_text().split()
    for pattern in (".git", ".env", ".env.*", "*.pem", "id_rsa*", ".venv", "node_modules", "__pycache__"):
        assert pattern in ignore or f"**/{pattern}" in ignore
    # the written config renders
    assert "FROM python:3.11-slim" in run_cli("render", cwd=tmp_path).stdout


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "devparity.toml": "# mine\n", ".dockerignore": "keep\n"})
    r = run_cli("init", cwd=tmp_path)
    assert r.exit_code == 2 and "--force" in r.stderr
    assert (tmp_path / "devparity.toml").read_text() == "# mine\n"
    assert run_cli("init", "--force", cwd=tmp_path).exit_code == 0
    assert "[runtime]" in (tmp_path / "devparity.toml").read_text()
    assert (tmp_path / ".dockerignore").read_text() == "keep\n"


def test_init_conflict_exits_2_naming_both_files(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'})
    r = run_cli("init", cwd=tmp_path)
    assert r.exit_code == 2
    assert ".python-version" in r.stderr and "pyproject.toml" in r.stderr
    assert not (tmp_path / "devparity.toml").exists()
    settled = run_cli("init", "--version", "3.12", cwd=tmp_path)
    assert settled.exit_code == 0 and 'version = "3.12"' in (tmp_path / "devparity.toml").read_text()


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["up", "--help"]])
def test_help_shows_flags_without_a_value_type(argv: list[str]) -> None:
    """A flag takes no value, so help shows none (issue 11): `--offline`, not
    `--offline <bool>`; options that take a value keep theirs."""
    result = run_cli(*argv)
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert "--help" in result.stdout
    if argv[0] == "check":
        assert "text|json|junit|github" in result.stdout  # a value option keeps its choices


def test_shell_completion_script_is_offered() -> None:
    """`devparity --install-completion` is documented (issue 11); the script it
    installs is the one `--show-completion SHELL` prints."""
    result = run_cli("--show-completion", "bash")
    assert result.exit_code == 0
    assert "_DEVPARITY_COMPLETE" in result.stdout
