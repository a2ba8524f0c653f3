"""The parts of go.mod devparity reads: the ``go`` and ``toolchain`` lines,
requirements and replacements (both single-line and block forms). Pure.

Reference: https://go.dev/ref/mod#go-mod-file-grammar. Anything this reader
does not understand is skipped: go.mod is checked by ``go`` itself at build
time, so detection only needs to be right about well-formed files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GoMod:
    module: str = ""
    go: str | None = None  # "1.21" or "1.21.3": the minimum Go version
    toolchain: str | None = None  # "1.21.3", from "toolchain go1.21.3"
    requires: dict[str, str] = field(default_factory=dict)  # path -> version
    replaces: dict[str, str] = field(default_factory=dict)  # path (any version) -> target

    def local_replacements(self) -> dict[str, str]:
        """Replacements by a directory (``./lib``, ``../x``, ``/abs``)."""
        return {k: v for k, v in self.replaces.items() if is_local_path(v)}

    def network_requirements(self) -> list[str]:
        """Required modules that must be downloaded: all but those replaced
        by a directory."""
        local = self.local_replacements()
        return sorted(p for p in self.requires if p not in local)


def is_local_path(target: str) -> bool:
    return target.startswith(("./", "../", "/")) or target in (".", "..")


_LINE = re.compile(r"^\s*(module|go|toolchain|require|replace|exclude|retract|godebug)\b\s*(.*)$")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')


def _tokens(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(text.split("//", 1)[0]):
        out.append(t[1:-1] if t[:1] in ('"', "`") else t)
    return out


def parse(text: str) -> GoMod:
    module, go, toolchain = "", None, None
    requires: dict[str, str] = {}
    replaces: dict[str, str] = {}
    block: str | None = None
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            else:
                _directive(block, _tokens(line), requires, replaces)
            continue
        m = _LINE.match(line)
        if not m:
            continue
        verb, rest = m.group(1), m.group(2).strip()
        if rest == "(":
            block = verb
            continue
        toks = _tokens(rest)
        if verb == "module" and toks:
            module = toks[0]
        elif verb == "go" and toks:
            go = toks[0]
        elif verb == "toolchain" and toks:
            toolchain = toks[0].removeprefix("go") if toks[0] != "default" else None
        else:
            _directive(verb, toks, requires, replaces)
    return GoMod(module, go, toolchain, requires, replaces)


def _directive(verb: str, toks: list[str], requires: dict[str, str], replaces: dict[str, str]) -> None:
    if verb == "require" and len(toks) >= 2:
        requires[toks[0]] = toks[1]
    elif verb == "replace" and "=>" in toks:
        arrow = toks.index("=>")
        if arrow >= 1 and len(toks) > arrow + 1:
            replaces[toks[0]] = toks[arrow + 1]
