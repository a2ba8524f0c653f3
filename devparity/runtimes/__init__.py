"""Runtime plugins, by language name: the registry everything else asks
(config's language list, detection, render, roles, the fingerprint, check's
advice). Registering a runtime here is the only edit outside its module."""

from __future__ import annotations

from devparity.runtimes.go import GoRuntime
from devparity.runtimes.node import NodeRuntime
from devparity.runtimes.plugin import Ecosystem, Runtime
from devparity.runtimes.python import PythonRuntime

RUNTIMES: dict[str, Runtime] = {r.name: r for r in (PythonRuntime(), NodeRuntime(), GoRuntime())}


def get(language: str) -> Runtime:
    return RUNTIMES[language]


def names() -> tuple[str, ...]:
    return tuple(RUNTIMES)


def ecosystems() -> dict[str, Ecosystem]:
    """Every runtime's package ecosystems, by name."""
    return {e.name: e for r in RUNTIMES.values() for e in r.ecosystems}


def generated_dirs() -> tuple[str, ...]:
    """Directory names any runtime generates in a project (watch and build context skip them)."""
    return tuple(dict.fromkeys(d for r in RUNTIMES.values() for d in r.generated_dirs))


def image_dirs() -> tuple[str, ...]:
    return tuple(d for r in RUNTIMES.values() for d in r.image_dirs)
