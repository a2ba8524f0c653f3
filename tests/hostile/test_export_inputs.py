"""Hostile destinations of `devparity export` (issue 11): what stands where
the exported file goes is refused in one line (exit 2) before anything is
built, and left as it was. No engine: the refusal comes first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, listing, make_project, run

CASES = {
    "devcontainer-json-is-a-directory": ("devcontainer", {".devcontainer/devcontainer.json": None}),
    "devcontainer-dir-is-a-file": ("devcontainer", {".devcontainer": "not a directory\n"}),
    "devcontainer-json-is-the-teams-own": ("devcontainer", {".devcontainer/devcontainer.json": '{"image": "team"}\n'}),
    "compose-is-the-teams-own": ("compose", {"compose.yaml": "services: {}\n"}),
    "compose-not-utf8": ("compose", {"compose.yaml": b"\xff\xfe services"}),
}


@pytest.mark.parametrize(("fmt", "files"), CASES.values(), ids=CASES.keys())
def test_export_refuses_what_it_did_not_write(tmp_path: Path, fmt: str, files: dict[str, str | bytes | None]) -> None:
    root = make_project(tmp_path / "p", files)
    before = listing(root)
    snapshot = {p: (root / p).read_bytes() for p in before if (root / p).is_file()}
    r = run(root, "export", fmt, env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert_clean(r, 2, root=root, before=before)
    assert {p: (root / p).read_bytes() for p in before if (root / p).is_file()} == snapshot


def test_export_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    os.mkfifo(root / "compose.yaml")
    r = run(root, "export", "compose", "--force", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, timeout=20)
    assert_clean(r, 2, mentions=("not a regular file",))
