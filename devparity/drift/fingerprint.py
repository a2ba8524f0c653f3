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
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devparity import files, secrets
from devparity.cache import atomic_write_text, cache_dir, canonical_json
from devparity.drift import filters, overlay, shape
from devparity.drift.filters import hidden_paths, is_secret_name, mask_env  # re-exported
from devparity.drift.sources import collect
from devparity.engine import archive, containers, images
from devparity.errors import DevparityError, UsageError

if TYPE_CHECKING:
    from devparity.engine.models import ContainerInfo

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


_IMAGE_ID = re.compile(r"sha256:[0-9a-f]{64}")


def fingerprint_image(
    ref: str, *, project: str | None = None, use_cache: bool = True, salt: str | None = None
) -> dict[str, Any]:
    """The fingerprint of a local image, secrets masked with ``salt``
    (devparity.secrets.salt_of; None: the per-user salt).

    Side effects: inspects the image (not when ``ref`` is an image id with
    a cached fingerprint: an id names the same content forever); on a cache
    miss creates and removes a probe container (archive.open_reader) and
    writes the cache files ``cache_dir("fingerprints")/<image id>.<salt
    id>.json`` and ``cache_dir("fingerprint-reads")/<image id>...json``,
    the record of what was read (drift.overlay), which a container of this
    image is read against. ``base`` is left None for the caller to fill in.
    """
    salt = salt or secrets.user_salt()
    if use_cache and _IMAGE_ID.fullmatch(ref):
        cached = _read_cached(_cache_path(ref, salt), ref)
        if cached is not None:
            return {**cached, "ref": ref}
    image = images.inspect(ref)
    image_id = image.id
    path = _cache_path(image_id, salt)
    if use_cache:
        cached = _read_cached(path, image_id)
        if cached is not None:
            return {**cached, "ref": ref}
    facts = _scan_image(image_id, project)
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


def _scan_image(image_id: str, project: str | None) -> dict[str, Any]:
    """collect() over the image's files, recording what was read.
    Side effects: a probe container; writes the record."""
    with archive.open_reader(archive.Target("image", image_id, project)) as reader:
        recorder = overlay.Recorder(reader)
        facts = collect(recorder)
    atomic_write_text(_record_path(image_id), json.dumps(recorder.record(image_id), separators=(",", ":")))
    return facts


def _record_path(image_id: str) -> Path:
    # what an image holds does not depend on the salt: one record per image
    return cache_dir("fingerprint-reads") / f"{image_id}.{SCHEMA}.{overlay.RECORD_VERSION}.json"


_record_locks: dict[str, threading.Lock] = {}
_record_locks_guard = threading.Lock()


def _record(image_id: str, project: str | None) -> dict[str, Any]:
    """The record of the image's fingerprint scan, scanning it on a miss
    (an image fingerprinted by an older devparity); dev and prod of one
    image, read side by side, scan it once."""
    with _record_locks_guard:
        lock = _record_locks.setdefault(image_id, threading.Lock())
    with lock:
        return _record_locked(image_id, project)


def _record_locked(image_id: str, project: str | None) -> dict[str, Any]:
    path = _record_path(image_id)
    for _ in range(2):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("image_id") == image_id:
                return data
        except (OSError, ValueError):
            pass
        _scan_image(image_id, project)
    return {}  # unreadable even after a fresh scan: the overlay reads everything live


def image_tree(image_id: str, path: str, project: str | None = None) -> list[str]:
    """archive.list_tree of an image, cached by image id (images never change).
    Side effects: on a miss, a probe container and a cache file."""
    key = hashlib.sha256(path.encode()).hexdigest()[:12]
    cache = cache_dir("image-trees") / f"{image_id}.{key}.json"
    try:
        names = json.loads(cache.read_text(encoding="utf-8"))
        if isinstance(names, list):
            return [str(n) for n in names]
    except (OSError, ValueError):
        pass
    names = archive.list_tree(archive.Target("image", image_id, project), path)
    atomic_write_text(cache, json.dumps(names))
    return names


def _read_cached(path: Path, image_id: str) -> dict[str, Any] | None:
    """The cached fingerprint, or None when absent, corrupt or of another schema."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("schema") == SCHEMA and data.get("image_id") == image_id:
        return data
    return None


def fingerprint_container(
    ref: str, *, project: str | None = None, salt: str | None = None, info: ContainerInfo | None = None
) -> dict[str, Any]:
    """The fingerprint of a container (running or stopped); never cached;
    secrets masked with ``salt`` as in ``fingerprint_image``.

    Only what the container changed is read: its writable-layer changes
    (archive.container_changes: its overlay2 layers when local, else the
    changes API), then its files through drift.overlay, which answers
    from the record of its image's scan where the changes leave a path
    alone. Side effects: inspects the container, asks for its changes, reads
    the changed package files and whatever lies under its mounts; on a
    first use of its image, scans the image (see ``fingerprint_image``); for
    each bind mount whose source is a directory on this host, lists that
    directory and the image's files at the destination (cached by image id).
    ``info``: the container's inspect, when the caller has just made it.
    """
    info = info if info is not None else containers.get(ref)
    mounts = sorted(
        ({"type": m.type, "source": m.source, "destination": m.destination, "rw": m.rw} for m in info.mounts),
        key=lambda m: str(m["destination"]),
    )
    destinations = [str(m["destination"]) for m in mounts if m["destination"]]
    raw_changes = archive.container_changes(info.id, info.graph_driver)
    changes = overlay.Changes(raw_changes, destinations)
    with archive.open_reader(archive.Target("container", info.id, project)) as reader:
        facts = collect(overlay.Overlay(_record(info.image_id, project), reader, changes))
    hidden: list[str] = []
    for m in mounts:
        src, dest = str(m["source"]), str(m["destination"]).rstrip("/")
        if m["type"] == "bind" and os.path.isdir(src):
            image_files = image_tree(info.image_id, dest or "/", project)
            hidden += [f"{dest}/{rel}" for rel in hidden_paths(image_files, host_files(src))]
    return {
        "schema": SCHEMA,
        "kind": "container",
        "ref": info.name,
        "image_id": info.image_id,
        **facts,
        "config": filters.config_from(info.config, salt),
        "base": None,
        "changes": filters.filter_changes(raw_changes, destinations),
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
    services = fp.get("services")
    if isinstance(services, dict):  # issue 8: each service's fingerprint too
        fp = {**fp, "services": {
            n: {**v, "fingerprint": masked(v["fingerprint"], salt)} if isinstance(v, dict) and isinstance(v.get("fingerprint"), dict) else v
            for n, v in services.items()
        }}
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
    return checked_snapshot(read_json(path), path)


def read_json(path: str | os.PathLike[str]) -> Any:
    """A snapshot file's JSON (a fingerprint or an SBOM); exit 2 naming the
    file when it is not a regular UTF-8 file of JSON."""
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
    return data


def checked_snapshot(data: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """``data`` read from ``path`` as a fingerprint; exit 2 when it is not one."""
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
