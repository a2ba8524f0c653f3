"""The hostile corpus's one harness (issue 7): run devparity as a real
process on a project a careless user or an attacker made, then hold the
result to the same bar every time:

- the exit code is the one named;
- stderr is a single line (an error says what and where, once);
- no traceback anywhere;
- no secret value in any output;
- no file left behind in the project (a temp file, a torn write).

Cases build their project with ``make_project`` (text or bytes per file;
``None`` makes a directory) and call ``run`` then ``assert_clean``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.cli import Result, cli_process

# A config every case can start from; cases append or replace sections.
BASE_TOML = """\
[project]
name = "hostile"

[runtime]
language = "python"
version = "3.11"

[dependencies]
files = ["requirements.txt"]

[app]
command = ["python", "app.py"]
ports = [8000]
env = { APP_ENV = "production" }
"""


# The corpus's result is the support package's: exit code, stdout, stderr.
Run = Result


def make_project(root: Path, files: dict[str, str | bytes | None] | None = None, *, toml: str | None = BASE_TOML) -> Path:
    """A project at ``root``: app.py, requirements.txt, devparity.toml
    (``toml``, dedented; None for none) plus ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    default: dict[str, str | bytes | None] = {"app.py": "print('hi')\n", "requirements.txt": ""}
    if toml is not None:
        default["devparity.toml"] = textwrap.dedent(toml)
    for rel, content in {**default, **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir(exist_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30, stdin: str | None = None) -> Run:
    """``devparity ARGS`` as a process in ``cwd``, with this checkout's code
    (tests.support.cli_process; stdin an empty pipe unless given)."""
    return cli_process(*args, cwd=cwd, env=env, timeout=timeout, stdin=stdin if stdin is not None else "")


def listing(root: Path) -> set[str]:
    """Every path under ``root`` (relative), to compare before and after."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def assert_clean(
    result: Run,
    code: int,
    *,
    secrets: tuple[str, ...] = (),
    mentions: tuple[str, ...] = (),
    one_line: bool = True,
    root: Path | None = None,
    before: set[str] | None = None,
) -> None:
    """The corpus's bar (see the module docstring). ``mentions``: words the
    output must contain (the key or file at fault); ``root``/``before``:
    the project and its listing before the run, to find leftovers."""
    where = f"exit {result.code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.code == code, where
    assert "Traceback" not in result.output, where
    if one_line:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, where
    for secret in secrets:
        assert secret not in result.output, f"secret {secret!r} printed\n{where}"
    for word in mentions:
        assert word in result.output, f"{word!r} not named\n{where}"
    if root is not None and before is not None:
        left = listing(root) - before
        assert not left, f"left behind: {sorted(left)}\n{where}"
