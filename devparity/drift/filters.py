"""Pure filters that decide what a fingerprint keeps: the image config
(secrets masked through devparity.secrets), and which writable-layer
changes and hidden paths count.

Nothing here touches the engine or the disk.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from devparity import secrets
from devparity.engine.models import RunConfig
from devparity.secrets import MARKERS as SECRET_MARKERS
from devparity.secrets import is_secret_name, mask_command, mask_env, url_passwords

# Secret detection and masks live in devparity.secrets (one module for every
# output path); these names stay importable from here.
__all__ = ["SECRET_MARKERS", "is_secret_name", "mask_env", "mask_secrets_in", "mask_value", "url_passwords"]
mask_value = secrets.mask
mask_secrets_in = secrets.mask_value

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


def parse_env_list(items: Iterable[str] | None) -> dict[str, str]:
    """Engine ``Env`` (["K=V", ...]) to a dict; a bare ``K`` means empty."""
    env: dict[str, str] = {}
    for item in items or ():
        key, _, value = item.partition("=")
        env[key] = value
    return env


def config_from(config: RunConfig | None, salt: str | None = None) -> dict[str, Any]:
    """The fingerprint's ``config`` from an image's or container's run config
    (devparity.engine.models.RunConfig); env and command arguments masked
    with ``salt`` (devparity.secrets)."""
    c = config or RunConfig()
    return {
        "user": c.user,
        "workdir": c.workdir,
        "entrypoint": mask_command(list(c.entrypoint), salt) if c.entrypoint else None,
        "cmd": mask_command(list(c.cmd), salt) if c.cmd else None,
        "exposed_ports": sorted(c.exposed_ports),
        "env": mask_env(parse_env_list(c.env), salt),
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

    Each is reported at its topmost missing directory (``deps/``,
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
