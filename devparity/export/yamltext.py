"""A small YAML writer for exported files (Compose, Kubernetes): block style
for mappings and lists, every string double-quoted as JSON quotes it (a JSON
string is a valid YAML double-quoted scalar), so no value, whatever it holds
(``yes``, ``0755``, ``: ``, ``#``, a newline), is read back as anything but
the same string. Deterministic; no dependency. Pure."""

from __future__ import annotations

import json
import re
from typing import Any

# A key left unquoted: plain letters, digits and - _ . / (env names, service names, ports).
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def _key(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS:
        return key
    return json.dumps(key, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{_key(str(k))}:")
                out += _lines(v, indent + 2)
            else:
                out.append(f"{pad}{_key(str(k))}: {_empty(v) if isinstance(v, (dict, list)) else _scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            else:
                out.append(f"{pad}- {_empty(item) if isinstance(item, (dict, list)) else _scalar(item)}")
    return out


def _empty(value: dict[str, Any] | list[Any]) -> str:
    return "{}" if isinstance(value, dict) else "[]"


def dumps(doc: dict[str, Any]) -> str:
    """``doc`` as YAML text ending in a newline."""
    return "\n".join(_lines(doc, 0)) + "\n"
