"""Runtime plugins, by language name."""

from __future__ import annotations

from devparity.runtimes.plugin import Runtime
from devparity.runtimes.node import NodeRuntime
from devparity.runtimes.python import PythonRuntime

RUNTIMES: dict[str, Runtime] = {r.name: r for r in (PythonRuntime(), NodeRuntime())}


def get(language: str) -> Runtime:
    return RUNTIMES[language]
