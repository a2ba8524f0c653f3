"""Pure filters that decide what a fingerprint keeps: secret masking, the
image config, and which writable-layer changes and hidden paths count.

Nothing here touches the engine or the disk.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "PRIVATE", "AUTH", "API_KEY")
_MASKED = re.compile(r"^<masked sha256:[0-9a-f]{12}>$")

# Writable-layer paths that change in every healthy container (runtime
# scratch, caches, files the engine itself writes); never reported as drift.
TEMPORARY_PATHS: tuple[str, ...] = (
    "/tmp",
    "/var/tmp",
    "/run",
    "/var/run",
    "/proc",
    "/dev",
    "/root/.cache",
    "/home/*/.cache",
    "*/__pycache__",
    "*.pyc",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/mtab",
    # the engine's init (tini), bind-mounted by `--init` but not listed in Mounts
    "/sbin/docker-init",
    "/usr/sbin/docker-init",
)


def is_secret_name(name: str) -> bool:
    """True if an env var's name suggests its value is a secret."""
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def mask_value(value: str) -> str:
    """A stand-in that still compares equal for equal values; idempotent."""
    if _MASKED.match(value):
        return value
    return f"<masked sha256:{hashlib.sha256(value.encode()).hexdigest()[:12]}>"


# The password of a URL with credentials (postgres://user:PASSWORD@host/db),
# whatever the variable is called. A masked value holds a space, so masking
# twice changes nothing.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*:)(?P<password>[^@\s]+)(?=@)")


def url_passwords(value: str) -> list[str]:
    return [m["password"] for m in _URL_PASSWORD.finditer(value)]


def mask_secrets_in(name: str, value: str) -> str:
    """``value`` as it may be shown: all of it masked for a secret-looking
    name, else only the passwords of URLs inside it."""
    if is_secret_name(name):
        return mask_value(value)
    return _URL_PASSWORD.sub(lambda m: m["head"] + mask_value(m["password"]), value)


def mask_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` with secret values masked (see ``mask_secrets_in``)."""
    return {k: mask_secrets_in(k, v) for k, v in env.items()}


def parse_env_list(items: Iterable[str] | None) -> dict[str, str]:
    """Engine ``Env`` (["K=V", ...]) to a dict; a bare ``K`` means empty."""
    env: dict[str, str] = {}
    for item in items or ():
        key, _, value = item.partition("=")
        env[key] = value
    return env


def config_from_attrs(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fingerprint's ``config`` from an inspect document's ``Config``; env masked."""
    c = config or {}
    return {
        "user": c.get("User") or "",
        "workdir": c.get("WorkingDir") or "",
        "entrypoint": list(c["Entrypoint"]) if c.get("Entrypoint") else None,
        "cmd": list(c["Cmd"]) if c.get("Cmd") else None,
        "exposed_ports": sorted(c.get("ExposedPorts") or {}),
        "env": mask_env(parse_env_list(c.get("Env"))),
    }


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    return root == "/" or path == root or path.startswith(root + "/")


def is_temporary(path: str, mount_destinations: Iterable[str] = ()) -> bool:
    """True if a writable-layer path is runtime noise or under a mount."""
    for pattern in TEMPORARY_PATHS:
        if "*" in pattern:
            # a pattern matches the path itself or one of its parent dirs
            if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + "/*"):
                return True
        elif _under(path, pattern):
            return True
    return any(_under(path, d) for d in mount_destinations)


def filter_changes(
    changes: Iterable[Mapping[str, str]], mount_destinations: Iterable[str] = ()
) -> list[dict[str, str]]:
    """Writable-layer changes worth reporting, sorted by path.

    A directory marked C only because something below it changed carries no
    information of its own (and /root would survive its filtered .cache), so
    parents of other entries are dropped before the noise filter.
    """
    items = [dict(c) for c in changes]
    paths = {c["path"] for c in items}
    parents = {p.rsplit("/", i)[0] for p in paths for i in range(1, p.count("/"))}
    mounts = list(mount_destinations)
    kept = [
        {"path": c["path"], "kind": c["kind"]}
        for c in items
        if not (c["kind"] == "C" and c["path"] in parents) and not is_temporary(c["path"], mounts)
    ]
    return sorted(kept, key=lambda c: c["path"])


def hidden_paths(image_files_under_mount: Iterable[str], host_files: Iterable[str]) -> list[str]:
    """Image paths (relative to the mount) that the host directory lacks.

    Each is reported at its topmost missing directory (``node_modules/``,
    with a trailing slash) rather than file by file.
    """
    present: set[str] = set()
    for p in host_files:
        parts = p.strip("/").split("/")
        present.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    hidden: set[str] = set()
    for p in image_files_under_mount:
        parts = p.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if prefix not in present:
                hidden.add(prefix + ("/" if i < len(parts) else ""))
                break
    return sorted(hidden)
