"""devparity.engine.context lists the same build context as docker's exclude_paths,
only faster (issue 10: a no-op build at 100,000 files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

from devparity.engine import context

TREE = [
    "app.py", "Dockerfile", "README.MD", ".env", ".env.example", "sub/.env", "sub/app.py", "sub/deep/x.pyc",
    "keys/x.pem", "keys/keep.pem", "node_modules/a/index.js", "web/node_modules/b.js", ".git/HEAD",
    "data/raw/big.csv", "data/raw/keep.csv", "data/clean.csv", "docs/a.md", "docs/sub/b.md", "Logs/app.LOG",
    "build/out.bin", "build/keep/me.txt", "__pycache__/m.cpython-311.pyc", "pkg/__pycache__/n.pyc", "id_rsa.pub",
    ".venv/bin/python", "devparity.toml", "devparity.lock", ".dockerignore",
]  # fmt: skip

DOCKERIGNORE = [
    "# comment", "data/raw", "!data/raw/keep.csv", "docs/*.md", "*.log", "build/", "!build/keep", "!keys/keep.pem",
    "**/*.md", "!README.md", "./sub/../tmp", "[Ll]ogs",
]  # fmt: skip


def _tree(root: Path, ignore: list[str]) -> None:
    for rel in TREE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    (root / ".dockerignore").write_text("\n".join(ignore) + "\n")
    os.symlink(root / "sub", root / "link-to-sub")  # listed, never entered
    os.symlink("app.py", root / "link.py")


@pytest.mark.parametrize("ignore", [[], DOCKERIGNORE, ["*", "!app.py", "!sub"], ["**", "!**/*.py"], ["sub/*"]])
@pytest.mark.parametrize("include", [(), (".env", "keys/x.pem", "sub/deep")])
def test_context_files_are_dockers(tmp_path: Path, ignore: list[str], include: tuple[str, ...]) -> None:
    _tree(tmp_path, ignore)
    pats = context.patterns(tmp_path, include)
    assert context.context_files(tmp_path, include) == sorted(exclude_paths(str(tmp_path), list(pats)))


def test_an_excluded_directory_is_not_entered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, [])
    entered: list[str] = []
    real = os.scandir

    def scandir(path: str):  # type: ignore[no-untyped-def]
        entered.append(os.path.relpath(path, tmp_path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    context.context_files(tmp_path)
    assert ".git" not in entered and "node_modules" not in entered and "web/node_modules" not in entered
    assert "link-to-sub" not in entered and "sub" in entered
