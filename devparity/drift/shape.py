"""The shape of a fingerprint read from a snapshot file (issue 7): a hand
edit that makes ``packages`` a string or ``changes`` a dict is an input
error (exit 2 naming the file and field), not a crash inside the diff."""

from __future__ import annotations

from typing import Any

from devparity.config_services import NAME
from devparity.errors import UsageError

_SCALAR = (str, int, float, bool, type(None))


def _flat(value: Any, values: tuple[type, ...] = (str, type(None))) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, values) for k, v in value.items())


def _bad_field(fp: dict[str, Any]) -> str | None:
    """The first field that does not have its fingerprint type, or None."""
    for key in ("base", "os", "runtimes"):
        if fp.get(key) is not None and not _flat(fp[key], _SCALAR):
            return key
    packages = fp.get("packages")
    if packages is not None and not (isinstance(packages, dict) and all(_flat(v) for v in packages.values())):
        return "packages"
    config = fp.get("config")
    if config is not None:
        if not isinstance(config, dict):
            return "config"
        if config.get("env") is not None and not _flat(config["env"], (str,)):
            return "config.env"
    changes = fp.get("changes")
    if changes is not None and not (
        isinstance(changes, list)
        and all(isinstance(c, dict) and isinstance(c.get("path"), str) and isinstance(c.get("kind"), str) for c in changes)
    ):
        return "changes"
    hidden = fp.get("hidden_paths")
    if hidden is not None and not (isinstance(hidden, list) and all(isinstance(p, str) for p in hidden)):
        return "hidden_paths"
    return _bad_services(fp.get("services"))


def _bad_services(services: Any) -> str | None:
    """``services`` (issue 8): NAME -> {image_id, fingerprint}, each checked as one."""
    if services is None:
        return None
    if not isinstance(services, dict):
        return "services"
    for name, entry in services.items():
        field = f"services.{name}" if isinstance(name, str) and NAME.fullmatch(name) else "services"
        if not isinstance(entry, dict) or not isinstance(entry.get("image_id"), (str, type(None))):
            return field
        inner = entry.get("fingerprint")
        if not isinstance(inner, dict):
            return f"{field}.fingerprint"
        bad = _bad_field(inner)
        if bad:
            return f"{field}.fingerprint.{bad}"
    return None


def check(fp: dict[str, Any], where: str) -> None:
    field = _bad_field(fp)
    if field:
        raise UsageError(
            f"{where}: field `{field}` does not have the shape of a devparity fingerprint; pass a file written by devparity."
        )
