"""Terminal output: one place decides colour and where lines go.

Results go to stdout; progress, notes and errors go to stderr so that
machine-readable output (``--format json``) stays clean.
"""

from __future__ import annotations

import os
import sys

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "dim": "2", "bold": "1"}


def _color_ok(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def style(text: str, color: str, stream: object = sys.stderr) -> str:
    return f"\033[{_CODES[color]}m{text}\033[0m" if _color_ok(stream) else text


def out(text: str = "") -> None:
    print(text, flush=True)


def info(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def note(text: str) -> None:
    print(style(text, "dim"), file=sys.stderr, flush=True)


def ok(text: str) -> None:
    print(style("✓ ", "green") + text, file=sys.stderr, flush=True)


def warn(text: str) -> None:
    print(style("warning: ", "yellow") + text, file=sys.stderr, flush=True)


def error(text: str) -> None:
    print(style("error: ", "red") + text, file=sys.stderr, flush=True)


def progress(line: str) -> None:
    """A line of build output, indented and dimmed."""
    print(style("  │ " + line, "dim"), file=sys.stderr, flush=True)
