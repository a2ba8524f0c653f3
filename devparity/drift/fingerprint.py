"""Environment fingerprints of images and containers, read from files only.

A fingerprint is a versioned JSON dict (``SCHEMA``): OS, runtimes, packages
per ecosystem, image config (env masked), and for containers the writable
layer's changes, the image paths hidden by bind mounts, and the mounts.
Nothing is executed in the image: every fact comes from the archive API
(devparity.engine.archive), so an image without a shell is read just as well.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from devparity import secrets
from devparity.cache import atomic_write_text, cache_dir, canonical_json
from devparity.drift import filters
from devparity.drift.filters import hidden_paths, is_secret_name, mask_env  # re-exported
from devparity.drift.sources import collect
from devparity.engine import archive, containers, images
from devparity.errors import DevparityError, UsageError

__all__ = [
    "SCHEMA",
    "collect",
    "fingerprint_container",
    "fingerprint_image",
    "hidden_paths",
    "is_secret_name",
    "load_snapshot",
    "mask_env",
    "save_snapshot",
]

SCHEMA = 1
SNAPSHOT_CAP = 256 * 1024 * 1024  # a snapshot lists every package and changed path
TEMPORARY_PATHS = filters.TEMPORARY_PATHS


def _cache_path(image_id: str, salt: str) -> Path:
    # masks depend on the salt: one cache entry per image and salt
    salt_id = hashlib.sha256(salt.encode()).hexdigest()[:12]
    return cache_dir("fingerprints") / f"{image_id}.{salt_id}.json"


def fingerprint_image(
    ref: str, *, project: str | None = None, use_cache: bool = True, salt: str | None = None
) -> dict[str, Any]:
    """The fingerprint of a local image, secrets masked with ``salt``
    (devparity.secrets.salt_of; None: the per-user salt).

    Side effects: inspects the image; on a cache miss creates and removes a
    probe container (archive.open_reader) and writes the cache file
    ``cache_dir("fingerprints")/<image id>.json``. ``base`` is left None for
    the caller to fill in.
    """
    image = images.inspect(ref)
    image_id = image.id
    salt = salt or secrets.user_salt()
    path = _cache_path(image_id, salt)
    if use_cache:
        cached = _read_cached(path, image_id)
        if cached is not None:
            return {**cached, "ref": ref}
    with archive.open_reader(archive.Target("image", image_id, project)) as reader:
        facts = collect(reader)
    fp = {
        "schema": SCHEMA,
        "kind": "image",
        "ref": ref,
        "image_id": image_id,
        **facts,
        "config": filters.config_from(image.config, salt),
        "base": None,
    }
    atomic_write_text(path, canonical_json(fp))
    return fp


def _read_cached(path: Path, image_id: str) -> dict[str, Any] | None:
    """The cached fingerprint, or None when absent, corrupt or of another schema."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("schema") == SCHEMA and data.get("image_id") == image_id:
        return data
    return None


def fingerprint_container(ref: str, *, project: str | None = None, salt: str | None = None) -> dict[str, Any]:
    """The fingerprint of a container (running or stopped); never cached;
    secrets masked with ``salt`` as in ``fingerprint_image``.

    Side effects: inspects the container, reads its files and diff; for each
    bind mount whose source is a directory on this host, lists that directory
    and the image's files at the destination (one probe container each).
    """
    target = archive.Target("container", ref, project)
    info = containers.get(ref)
    with archive.open_reader(target) as reader:
        facts = collect(reader)
    mounts = sorted(
        ({"type": m.type, "source": m.source, "destination": m.destination, "rw": m.rw} for m in info.mounts),
        key=lambda m: str(m["destination"]),
    )
    destinations = [str(m["destination"]) for m in mounts if m["destination"]]
    hidden: list[str] = []
    for m in mounts:
        src, dest = str(m["source"]), str(m["destination"]).rstrip("/")
        if m["type"] == "bind" and os.path.isdir(src):
            image_files = archive.list_tree(archive.Target("image", info.image_id, project), dest or "/")
            hidden += [f"{dest}/{rel}" for rel in hidden_paths(image_files, host_files(src))]
    return {
        "schema": SCHEMA,
        "kind": "container",
        "ref": info.name,
        "image_id": info.image_id,
        **facts,
        "config": filters.config_from(info.config, salt),
        "base": None,
        "changes": filters.filter_changes(archive.container_changes(info.id), destinations),
        "hidden_paths": sorted(hidden),
        "mounts": mounts,
    }


def host_files(root: str) -> list[str]:
    """Relative paths of every file and directory under a host directory."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel + "/"
        out += [prefix + n for n in dirnames + filenames]
    return out


def masked(fp: dict[str, Any], salt: str | None = None) -> dict[str, Any]:
    """``fp`` with its config's env and command masked again (idempotent), for
    a snapshot file a hand may have edited."""
    config = fp.get("config")
    if not isinstance(config, dict):
        return fp
    config = dict(config)
    if isinstance(config.get("env"), dict):
        config["env"] = secrets.mask_env(config["env"], salt)
    for key in ("cmd", "entrypoint"):
        config[key] = secrets.mask_command(config.get(key), salt)
    return {**fp, "config": config}


def save_snapshot(fp: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a fingerprint to ``path`` as canonical JSON, atomically."""
    _check_schema(fp, str(path))
    atomic_write_text(Path(path), canonical_json(fp))


def load_snapshot(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a fingerprint snapshot; exit 2 (naming the file) if it is not a
    regular UTF-8 file, not JSON, not shaped like a fingerprint, or of a
    schema this version does not know."""
    from devparity import files
    from devparity.drift import shape

    try:
        text = files.read_text(Path(path), cap=SNAPSHOT_CAP)
    except DevparityError as exc:  # missing, not a regular file, too big, not UTF-8
        raise UsageError(f"Cannot read snapshot: {exc.message}; pass a file written by devparity.") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"Snapshot {path} is not valid JSON ({exc}); pass a file written by devparity.") from None
    except RecursionError:
        raise UsageError(f"Snapshot {path} is nested too deeply to be a fingerprint; pass a file written by devparity.") from None
    _check_schema(data, str(path))
    shape.check(data, str(path))
    return dict(data)


def _schema_name(value: Any) -> str:
    """A schema number as it is; anything else by its type, never its text."""
    is_number = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9
    return str(value) if is_number else f"of type {type(value).__name__}"


def _check_schema(data: Any, where: str) -> None:
    if not isinstance(data, dict) or "schema" not in data or data.get("kind") not in ("image", "container"):
        raise UsageError(
            f'{where} is not a devparity fingerprint (no "schema" and "kind" fields); pass a file written by devparity.'
        )
    if data["schema"] != SCHEMA:
        raise UsageError(
            f"{where} has fingerprint schema {_schema_name(data['schema'])}, but this devparity reads "
            f"schema {SCHEMA}; re-create the snapshot or upgrade devparity."
        )
