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
from typing import TextIO

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


def _line(text: str, stream: TextIO | None = None) -> None:
    """``text`` and its newline in one write (stderr by default). print()
    writes them apart, and stderr redirected to a file writes through
    unbuffered: `devparity up > up.log 2>&1` then got a line of the app's
    output (stdout) between a message and its newline."""
    to = sys.stderr if stream is None else stream
    to.write(text + "\n")
    to.flush()


def out(text: str = "") -> None:
    _line(mask_text(text), sys.stdout)


def info(text: str) -> None:
    if _quiet:
        return
    _line(mask_text(text))


def note(text: str) -> None:
    if _quiet:
        return
    _line(style(mask_text(text), "dim"))


def ok(text: str) -> None:
    _line(style("✓ ", "green") + mask_text(text))


def warn(text: str) -> None:
    _line(style("warning: ", "yellow") + mask_text(text))


def error(text: str) -> None:
    _line(style("error: ", "red") + mask_text(text))


def progress(line: str) -> None:
    """A line of build output, indented and dimmed."""
    if _quiet:
        return
    _line(style("  │ " + mask_text(line), "dim"))
