"""Hostile words for the commands that name a process (issue 8): `logs`,
`exec`, `snapshot` and `diff` take `worker` and `prod/worker`; anything
else is refused in one line, without a traceback or a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run

PROCESSES = BASE_TOML + """
[processes.worker]
command = ["python", "worker.py"]
env = { WORKER_TOKEN = "hostile-secret-value-456" }
"""
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("logs", "workers"), ("workers", "dev, prod, worker")),
        (("logs", "stage/worker"), ("unknown role",)),
        (("logs", "prod/worker\x1b[31m"), ("\\x1b",)),
        (("exec", "prod/worker2", "--", "true"), ("worker2",)),
    ],
)
def test_a_word_that_names_no_process_is_refused(tmp_path: Path, args: tuple[str, ...], mentions: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p", toml=PROCESSES)
    before = listing(root)
    r = run(root, *args, env=NO_ENGINE)  # refused before any engine call
    assert_clean(r, 2, mentions=mentions, secrets=("hostile-secret-value-456",), root=root, before=before)


@pytest.mark.parametrize("args", [("snapshot", "worker"), ("snapshot", "prod/worker"), ("diff", "worker", "prod/worker")])
def test_a_process_target_without_an_engine_is_one_line_exit_3(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = make_project(tmp_path / "p", toml=PROCESSES)
    before = listing(root)
    r = run(root, *args, env=NO_ENGINE)
    assert_clean(r, 3, mentions=("engine",), secrets=("hostile-secret-value-456",), root=root, before=before)
