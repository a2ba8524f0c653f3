"""Hostile words for the commands that name a service (issue 8): `logs`
and `exec` take `db`, `prod/db` and refuse anything else with one line,
before any engine call, never echoing a control character raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run

SERVICES = BASE_TOML + """
[services.db]
image = "python:3.11-slim"
env = { DB_PASSWORD = "hostile-secret-value-123" }
"""


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("logs", "nothing"), ("nothing", "dev, prod, db")),
        (("logs", "stage/db"), ("unknown role",)),
        (("logs", "prod/"), ("prod/",)),
        (("logs", "dev/db/extra"), ("db/extra",)),
        (("logs", "db\x1b[31mred"), ("\\x1b",)),
        (("logs", "prod/db\nforged line"), ("\\n",)),
        (("exec", "prod/nothing", "--", "true"), ("nothing",)),
        (("exec", "dev/nothing", "--", "true"), ("nothing",)),
    ],
)
def test_a_word_that_names_no_component_is_refused(tmp_path: Path, args: tuple[str, ...], mentions: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p", toml=SERVICES)
    before = listing(root)
    r = run(root, *args, env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})  # refused before any engine call
    assert_clean(r, 2, mentions=mentions, secrets=("hostile-secret-value-123",), root=root, before=before)
    assert "\x1b" not in r.output and "forged line" not in r.stderr.splitlines()[-1][:12]
