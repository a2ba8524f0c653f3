"""TOML reading on every supported Python: the standard library's tomllib
from 3.11, the tomli package (its origin, same API) before."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError, loads
else:  # pragma: no cover - exercised by the Python 3.9 run of scripts/test
    from tomli import TOMLDecodeError, loads

__all__ = ["TOMLDecodeError", "loads"]
