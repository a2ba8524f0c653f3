"""Issue 7, finding 3: whatever string [app].env holds is, byte for byte,
the value in the built image's env (and a dependency file name full of
shell and builder syntax reaches COPY and `pip install -r` as a name).
One small build: python:3.11-slim, empty requirements, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import python_project, run_cli

TRICKY = {
    "DOUBLE_QUOTES": 'say "hi"',
    "SINGLE_QUOTES": "it's 'quoted'",
    "ONLY_QUOTE": "'",
    "DOLLARS": "$HOME ${PATH} $$ $1 ${x:-y}",
    "BACKSLASHES": "C:\\path\\to a\\\\b",
    "TRAILING_BACKSLASH": "ends with\\",
    "ESCAPES_AS_TEXT": "\\n \\t \\u00e9 \\x41",
    "SPACES": "  leading and trailing  ",
    "TAB": "a\tb",
    "HASH_AND_EQUALS": "x # not a comment = y == z",
    "BACKTICKS": "`id` $(id)",
    "NON_ASCII": "é ü ß 日本語 🎉",
    "EMPTY": "",
    "SEMICOLONS": "a; echo b && c | d > e",
    "BRACES": "{}[]()<>*?~!",
}
DEP_FILE = "extra 'q' $x;echo X.txt"


def toml_string(value: str) -> str:
    # JSON strings without ASCII escaping are TOML basic strings (\t, \", \\, \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def test_tricky_env_round_trips_into_the_image(tmp_path: Path, project_name: str, engine: Any) -> None:
    env = ", ".join(f"{k} = {toml_string(v)}" for k, v in TRICKY.items())
    root = python_project(tmp_path, project_name)
    toml = (root / "devparity.toml").read_text()
    toml = toml.replace('env = { APP_ENV = "production", PORT = "8000" }', f"env = {{ {env} }}")
    toml = toml.replace('files = ["requirements.txt"]', f'files = ["requirements.txt", {toml_string(DEP_FILE)}]')
    (root / "devparity.toml").write_text(toml)
    (root / DEP_FILE).write_text("")

    built = run_cli("build", "-q", cwd=root)
    assert built.exit_code == 0, built.stderr
    attrs = engine.api.inspect_image(built.stdout.strip().splitlines()[-1])  # type: ignore[attr-defined]
    image_env = dict(item.split("=", 1) for item in attrs["Config"]["Env"])
    for key, value in TRICKY.items():
        assert image_env.get(key) == value, key
    assert "X" not in built.stdout.splitlines()  # `echo X` never ran
