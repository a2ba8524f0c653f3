"""Messages about devparity.toml that say where (file:line) and what kind
of value is wrong, never the value itself: a config value can be a secret,
and a control character in it would split the error line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devparity import validate
from devparity.errors import ConfigError


def line_of(text: str, section: str | None, key: str) -> int | None:
    """Best-effort line number of ``key`` (inside ``[section]``) for messages."""
    lines = text.splitlines()
    in_section = section is None
    key_re = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]").strip()
            in_section = section is None or name == section
            if section is None and name == key:
                return i
            continue
        if in_section and key_re.match(line):
            return i
    return None


def where(path: Path, text: str, section: str | None, key: str) -> str:
    line = line_of(text, section, key)
    return f"{path}:{line}" if line else str(path)


def _has_control(value: Any) -> bool:
    if isinstance(value, str):
        return validate.control_char(value)
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control(v) for v in value)
    return False


def check_control_chars(data: dict[str, Any], text: str, path: Path) -> None:
    """No string anywhere (names included) may hold a control character: a
    newline in any value would add a Dockerfile line or split a message."""
    hint = "values must be single-line text without tabs or escapes like \\n"
    for section, body in data.items():
        if validate.control_char(section):
            raise ConfigError(f"{path}: a section name contains a control character", hint=hint)
        if not isinstance(body, dict):
            continue
        for key, value in body.items():
            if validate.control_char(key):
                raise ConfigError(f"{where(path, text, None, section)}: a key in [{section}] contains a control character", hint=hint)
            if _has_control(value):
                raise ConfigError(f"{where(path, text, section, key)}: `{section}.{key}` contains a control character", hint=hint)


_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table"}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), "a date or time")


def describe(value: Any, kind: str, conforms: Callable[[Any, str], bool]) -> str:
    """What a wrong value is, by type: ``a table whose `PORT` is an integer``."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not conforms({k: v}, kind):
                # a plain name helps find the entry; anything else stays unnamed
                name = f"`{k}`" if re.fullmatch(r"[A-Za-z0-9_]{1,64}", k) else "a key"
                return f"a table whose {name} is {_type_name(v)}"
    if isinstance(value, list):
        for v in value:
            if not conforms([v], kind):
                return f"a list holding {_type_name(v)}"
    return _type_name(value)
