"""devparity.engine.dockerignore is docker-py's matcher, copied so the
build context is listed without importing the SDK (issue 10): the same
answer as docker's own on every pattern and path of a corpus."""

from __future__ import annotations

import random

import pytest
from docker.utils import build as docker_build
from docker.utils import fnmatch as docker_fnmatch

from devparity.engine import dockerignore

PATTERNS = [
    "*", "**", "**/*.py", "*.pyc", "a/*", "a/**", "a/**/c", "a/b", "a/b/", "/a/b", "./a", "a/../b", "../x", "a/./b",
    "[ab]*", "[!a]*", "[^a]", "[]]x", "[x", "a?c", "A/B", "a\\*b", "**/node_modules", "node_modules/", "!a/b",
    "!**/*.md", "  spaced  ", ".", "..", "a//b", "*/b/*", "**/b/**", "**/.env", ".env*", "x**y",
]  # fmt: skip
PATHS = [
    "a", "a/b", "a/b/c", "a/x/c", "a/x/y/c", "b", "b/a", "c.py", "d/c.py", "d/e/f.pyc", "A/B", "A/b", "ab", "ba", "]x",
    "[x", "abc", "a*b", "node_modules/x.js", "w/node_modules/y", ".env", ".env.local", "s/.env", "x/b/y", "xy", "xzzy",
    "x/y", "README.md", "docs/README.MD",
]  # fmt: skip


@pytest.mark.parametrize("pattern", PATTERNS)
def test_translate_is_dockers(pattern: str) -> None:
    assert dockerignore.translate(pattern) == docker_fnmatch.translate(pattern)
    assert [dockerignore.fnmatch(p, pattern) for p in PATHS] == [docker_fnmatch.fnmatch(p, pattern) for p in PATHS]


@pytest.mark.parametrize("seed", range(40))
def test_pattern_lists_match_as_dockers(seed: int) -> None:
    rng = random.Random(seed)
    pats = rng.sample(PATTERNS, rng.randint(1, 6))
    ours, theirs = dockerignore.PatternMatcher(pats), docker_build.PatternMatcher(pats)
    assert [p.cleaned_pattern for p in ours.patterns] == [p.cleaned_pattern for p in theirs.patterns]
    assert [ours.matches(p) for p in PATHS] == [theirs.matches(p) for p in PATHS], pats


def test_split_path_is_dockers() -> None:
    for p in ("", "/", "a//b/", "./a/./b", "a/../b"):
        assert dockerignore.split_path(p) == docker_build.split_path(p)
