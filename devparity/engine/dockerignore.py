""".dockerignore matching exactly as the Docker SDK does it, without
importing the SDK (its package import brings requests, urllib3 and paramiko:
150-250 ms of every `build` and `check`, issue 10).

Copied from docker-py 7.1.0 (Apache License 2.0, Copyright Docker, Inc.):
``docker/utils/build.py`` (PatternMatcher, Pattern, split_path,
normalize_slashes) and ``docker/utils/fnmatch.py`` (fnmatch, translate),
Windows branches dropped (devparity runs on POSIX hosts), otherwise
unchanged. tests/test_build_context.py holds the answers to docker's own.
"""

from __future__ import annotations

import functools
import os
import re


def split_path(p: str) -> list[str]:
    return [pt for pt in re.split("/", p) if pt and pt != "."]


def normalize_slashes(p: str) -> str:
    return p


class Pattern:
    def __init__(self, pattern_str: str) -> None:
        self.exclusion = False
        if pattern_str.startswith("!"):
            self.exclusion = True
            pattern_str = pattern_str[1:]
        self.dirs = self.normalize(pattern_str)
        self.cleaned_pattern = "/".join(self.dirs)

    @classmethod
    def normalize(cls, p: str) -> list[str]:
        # Trailing spaces, leading and trailing slashes and "." components do
        # not count; ".." removes the component before it (Go's filepath.Clean).
        p = p.strip()
        i = 0
        split = split_path(p)
        while i < len(split):
            if split[i] == "..":
                del split[i]
                if i > 0:
                    del split[i - 1]
                    i -= 1
            else:
                i += 1
        return split

    def match(self, filepath: str) -> bool:
        return fnmatch(normalize_slashes(filepath), self.cleaned_pattern)


class PatternMatcher:
    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [p for p in (Pattern(p) for p in patterns) if p.dirs]
        self.patterns.append(Pattern("!.dockerignore"))

    def matches(self, filepath: str) -> bool:
        matched = False
        parent_path = os.path.dirname(filepath)
        parent_path_dirs = split_path(parent_path)
        for pattern in self.patterns:
            negative = pattern.exclusion
            match = pattern.match(filepath)
            if not match and parent_path != "":
                if len(pattern.dirs) <= len(parent_path_dirs):
                    match = pattern.match(os.path.sep.join(parent_path_dirs[: len(pattern.dirs)]))
            if match:
                matched = not negative
        return matched


def fnmatch(name: str, pat: str) -> bool:
    """Shell-style match, both sides lower-cased (as docker's)."""
    return _compiled(pat.lower()).match(name.lower()) is not None


@functools.lru_cache(maxsize=256)
def _compiled(pat: str) -> re.Pattern[str]:
    return re.compile(translate(pat))


def translate(pat: str) -> str:
    """A shell pattern as a regular expression: ``*`` and ``?`` stop at
    ``/``, ``**`` crosses it; no way to quote meta-characters."""
    i, n = 0, len(pat)
    res = "^"
    while i < n:
        c = pat[i]
        i = i + 1
        if c == "*":
            if i < n and pat[i] == "*":
                i = i + 1  # some flavour of "**"
                if i < n and pat[i] == "/":  # treat **/ as **
                    i = i + 1
                if i >= n:
                    res = f"{res}.*"  # "**" at the end: accept all, as .gitignore
                else:
                    res = f"{res}(.*/)?"
            else:
                res = f"{res}[^/]*"
        elif c == "?":
            res = f"{res}[^/]"
        elif c == "[":
            j = i
            if j < n and pat[j] == "!":
                j = j + 1
            if j < n and pat[j] == "]":
                j = j + 1
            while j < n and pat[j] != "]":
                j = j + 1
            if j >= n:
                res = f"{res}\\["
            else:
                stuff = pat[i:j].replace("\\", "\\\\")
                i = j + 1
                if stuff[0] == "!":
                    stuff = f"^{stuff[1:]}"
                elif stuff[0] == "^":
                    stuff = f"\\{stuff}"
                res = f"{res}[{stuff}]"
        else:
            res = res + re.escape(c)
    return f"{res}$"
