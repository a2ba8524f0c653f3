"""Terminal output: one place decides colour and where lines go.

Results go to stdout; progress, notes and errors go to stderr so that
machine-readable output (``--format json``) stays clean. Every line passes
devparity.secrets.mask_text on its way out: whatever a caller forgot, a
token, a private key or a URL password is never printed (issue 7).
"""

from __future__ import annotations

import os
import re
import sys

from devparity.secrets import mask_text

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "dim": "2", "bold": "1"}


def _color_ok(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def style(text: str, color: str, stream: object = sys.stderr) -> str:
    return f"\033[{_CODES[color]}m{text}\033[0m" if _color_ok(stream) else text


# Controls a terminal or a CI log acts on: C0/C1 (a newline can forge a
# `::error::` line), line/paragraph separators, and bidi overrides.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\x1b``),
    for values an image or a container controls (env values, paths)."""
    if not isinstance(text, str):
        return text
    return _CONTROLS.sub(lambda m: _NAMED.get(m.group(0)) or _code(m.group(0)), text)


def _code(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


_quiet = False


def set_quiet(on: bool) -> None:
    """``--quiet``: progress, info and notes are left out; results (stdout),
    successes, warnings and errors still show."""
    global _quiet
    _quiet = on


def out(text: str = "") -> None:
    print(mask_text(text), flush=True)


def info(text: str) -> None:
    if _quiet:
        return
    print(mask_text(text), file=sys.stderr, flush=True)


def note(text: str) -> None:
    if _quiet:
        return
    print(style(mask_text(text), "dim"), file=sys.stderr, flush=True)


def ok(text: str) -> None:
    print(style("✓ ", "green") + mask_text(text), file=sys.stderr, flush=True)


def warn(text: str) -> None:
    print(style("warning: ", "yellow") + mask_text(text), file=sys.stderr, flush=True)


def error(text: str) -> None:
    print(style("error: ", "red") + mask_text(text), file=sys.stderr, flush=True)


def progress(line: str) -> None:
    """A line of build output, indented and dimmed."""
    if _quiet:
        return
    print(style("  │ " + mask_text(line), "dim"), file=sys.stderr, flush=True)
