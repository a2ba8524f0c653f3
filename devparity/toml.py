"""TOML reading on every supported Python: the standard library's tomllib
from 3.11, the tomli package (its origin, same API) before."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError
    from tomllib import loads as _loads
else:  # pragma: no cover - exercised by the Python 3.9 run of scripts/test
    from tomli import TOMLDecodeError
    from tomli import loads as _loads

__all__ = ["TOMLDecodeError", "loads"]


def loads(text: str) -> dict[str, Any]:
    data: dict[str, Any] = _loads(text)
    return data
