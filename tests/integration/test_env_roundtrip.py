"""Issue 7, finding 3: whatever string [app].env holds (config validation
refuses only control characters, tabs included) is, byte for byte, the value
in the built image's env. One small build: python:3.11-slim, empty
requirements, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support import python_project, run_cli

TRICKY = {
    "DOUBLE_QUOTES": 'say "hi"',
    "SINGLE_QUOTES": "it's 'quoted'",
    "ONLY_QUOTE": "'",
    "DOLLARS": "$HOME ${PATH} $$ $1 ${x:-y}",
    "BACKSLASHES": "C:\\path\\to a\\\\b",
    "TRAILING_BACKSLASH": "ends with\\",
    "ESCAPES_AS_TEXT": "\\n \\t \\u00e9 \\x41",
    "SPACES": "  leading and trailing  ",
    "HASH_AND_EQUALS": "x # not a comment = y == z",
    "BACKTICKS": "`id` $(id)",
    "NON_ASCII": "é ü ß 日本語 🎉",
    "EMPTY": "",
    "SEMICOLONS": "a; echo b && c | d > e",
    "BRACES": "{}[]()<>*?~!",
}


def toml_string(value: str) -> str:
    # JSON strings without ASCII escaping are TOML basic strings (\t, \", \\, \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def test_tricky_env_round_trips_into_the_image(tmp_path: Path, project_name: str, engine: Any) -> None:
    env = ", ".join(f"{k} = {toml_string(v)}" for k, v in TRICKY.items())
    root = python_project(tmp_path, project_name)
    toml = (root / "devparity.toml").read_text()
    toml = toml.replace('env = { APP_ENV = "production", PORT = "8000" }', f"env = {{ {env} }}")
    (root / "devparity.toml").write_text(toml)

    built = run_cli("build", "-q", cwd=root)
    assert built.exit_code == 0, built.stderr
    attrs = engine.api.inspect_image(built.stdout.strip().splitlines()[-1])  # type: ignore[attr-defined]
    image_env = dict(item.split("=", 1) for item in attrs["Config"]["Env"])
    for key, value in TRICKY.items():
        assert image_env.get(key) == value, key
