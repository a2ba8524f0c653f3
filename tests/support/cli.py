"""The two ways tests and benchmarks run devparity: in-process (``run_cli``,
fast, for exit codes and output) and as a process of this checkout's code
(``cli_process``, for what needs a real process: signals, stdin, exec)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from devparity.cli import app

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def code(self) -> int:  # the hostile corpus's name for it
        return self.exit_code

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _runner() -> CliRunner:
    """A runner keeping stderr apart: the default of Click 8.2+ (Typer 0.24+
    vendors it); older Click, as Python 3.9 installs, needs asking."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run the CLI in-process (cwd switched for the call)."""
    runner = _runner()
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        r = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(r.exit_code, r.stdout, r.stderr)


def process_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a devparity process: this checkout's code (not an
    installed copy), no colour, no --debug tracebacks unless ``env`` asks."""
    full = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    full.pop("DEVPARITY_DEBUG", None)
    return {**full, **(env or {})}


def command(*args: str, prefix: Sequence[str] = ()) -> list[str]:
    """The argv of ``devparity ARGS`` (``prefix``: e.g. setpriv to run as another user)."""
    return [*prefix, sys.executable, "-m", "devparity", *args]


def cli_process(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    timeout: float = 180,
    stdin: str | None = "",
) -> Result:
    """``devparity ARGS`` as a process in ``cwd``. ``stdin``: text piped in
    (an empty pipe by default); None: /dev/null."""
    proc = subprocess.run(
        command(*args, prefix=prefix),
        cwd=cwd,
        env=process_env(env),
        capture_output=True,
        timeout=timeout,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        text=True,
        errors="replace",
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
