"""The harness itself must be able to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import Run, assert_clean, listing, make_project, run


def test_harness_flags_traceback_secret_and_leftovers(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    (root / "left.tmp").write_text("")
    with pytest.raises(AssertionError, match="left behind"):
        assert_clean(Run(2, "", "error: x\n"), 2, root=root, before=before)
    with pytest.raises(AssertionError):
        assert_clean(Run(3, "", "Traceback (most recent call last):\n"), 3, one_line=False)
    with pytest.raises(AssertionError, match="secret"):
        assert_clean(Run(2, "hunter2", "error: x\n"), 2, secrets=("hunter2",))
    with pytest.raises(AssertionError):
        assert_clean(Run(2, "", "error: a\nerror: b\n"), 2)


def test_render_of_a_valid_project_is_clean(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    result = run(root, "render")
    assert_clean(result, 0, one_line=False, mentions=("FROM python:3.11-slim",), root=root, before=before)
