"""devparity.lock: the committed pin of an environment.

Deterministic JSON (sorted keys, two-space indent, a schema version),
written atomically. ``check`` compares the recorded inputs with the project's
files and needs no engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devparity import __version__, inputs
from devparity.base import BasePin
from devparity.cache import atomic_write_text, canonical_json
from devparity.config import Config
from devparity.errors import LockError

LOCK_NAME = "devparity.lock"
SCHEMA = 1


@dataclass(frozen=True)
class Lock:
    data: dict[str, Any]

    @property
    def base_ref(self) -> str:
        return self.data["base"]["ref"]

    @property
    def base_digest(self) -> str | None:
        return self.data["base"].get("digest")

    @property
    def base_source(self) -> str:
        return self.data["base"].get("source", "registry")

    @property
    def fingerprint(self) -> dict[str, Any] | None:
        return self.data.get("fingerprint")

    def pin_for(self, config: Config) -> str | None:
        """The registry digest to build FROM, when the lock pins this config's
        base image in a registry (local-only pins build from the tag)."""
        from devparity.render import base_image

        if self.base_ref == base_image(config) and self.base_source == "registry":
            return self.base_digest
        return None


def path_for(config: Config) -> Path:
    return config.root / LOCK_NAME


def read(config: Config) -> Lock | None:
    path = path_for(config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg})", hint="regenerate it with `devparity lock`"
        ) from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise LockError(
            f"{path}: unknown lock schema {data.get('schema') if isinstance(data, dict) else None!r} (this devparity reads {SCHEMA})",
            hint="regenerate it with `devparity lock`",
        )
    for key in ("base", "inputs"):
        if not isinstance(data.get(key), dict):
            raise LockError(f"{path}: `{key}` is missing", hint="regenerate it with `devparity lock`")
    return Lock(data)


def make(
    config: Config,
    ins: inputs.Inputs,
    pin: BasePin,
    *,
    runtime_in_image: str | None,
    fingerprint: dict[str, Any] | None,
    salt: str | None = None,
) -> dict[str, Any]:
    from devparity import secrets

    return {
        "schema": SCHEMA,
        # keys the fingerprint's masks (devparity.secrets.salt_of)
        "salt": salt or secrets.salt_for_write(None),
        "generated_by": f"devparity {__version__}",
        "project": config.name,
        "runtime": {"language": config.language, "version": config.version, "in_image": runtime_in_image},
        "base": {
            "ref": pin.ref,
            "digest": pin.digest,
            "source": pin.source,
            "local_only": pin.source != "registry",
        },
        "inputs": ins.as_dict(),
        "inputs_hash": ins.hash,
        "fingerprint": fingerprint,
    }


def write(config: Config, data: dict[str, Any]) -> Path:
    path = path_for(config)
    atomic_write_text(path, canonical_json(data))
    return path


def stale_inputs(config: Config, lock: Lock) -> list[str]:
    """What changed since the lock was written, as short phrases naming files.
    Empty when the lock is fresh."""
    recorded = lock.data["inputs"]
    current = inputs.compute(config, lock.base_digest).as_dict()
    changed: list[str] = []
    if recorded.get("config") != current["config"]:
        changed.append("devparity.toml (image settings)")
    if recorded.get("template") != current["template"]:
        changed.append(f"the {config.language} template")
    old_files, new_files = recorded.get("files") or {}, current["files"]
    for name in sorted(set(old_files) | set(new_files)):
        if name not in new_files:
            changed.append(f"{name} (no longer a dependency file)")
        elif name not in old_files:
            changed.append(f"{name} (new dependency file)")
        elif old_files[name] != new_files[name]:
            changed.append(name)
    if (recorded.get("base") or {}).get("ref") != current["base"]["ref"]:
        changed.append(f"base image ({lock.base_ref} -> {current['base']['ref']})")
    return changed
