"""The inputs an image is built from, hashed. Pure: reads project files only.

Environment inputs (config's image part, dependency files, template, base
pin) are what the lock records; a change there means a new environment.
The source tree is hashed separately: it changes the prod image but never
makes the lock stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devparity import render
from devparity.config import Config
from devparity.errors import ConfigError


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_json(data: Any) -> str:
    return sha256_bytes(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


@dataclass(frozen=True)
class Inputs:
    config: str
    template: str
    files: dict[str, str]
    base_ref: str
    base_digest: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "template": self.template,
            "files": dict(sorted(self.files.items())),
            "base": {"ref": self.base_ref, "digest": self.base_digest},
        }

    @property
    def hash(self) -> str:
        return sha256_json(self.as_dict())


def dependency_hashes(config: Config) -> dict[str, str]:
    out = {}
    for name in config.dep_files:
        path = config.root / name
        try:
            out[name] = sha256_bytes(path.read_bytes())
        except FileNotFoundError:
            raise ConfigError(
                f"{config.path}: dependency file {name!r} (dependencies.files) does not exist",
                hint="create it or remove it from dependencies.files",
            ) from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return out


def compute(config: Config, base_digest: str | None) -> Inputs:
    return Inputs(
        config=sha256_json(config.image_inputs()),
        template=render.template_hash(config.language),
        files=dependency_hashes(config),
        base_ref=render.base_image(config),
        base_digest=base_digest,
    )


def source_hash(root: Path, files: list[str]) -> str:
    """Hash of the build context's files (names, modes and contents)."""
    h = hashlib.sha256()
    for rel in files:
        path = root / rel
        if path.is_symlink():
            h.update(f"L{rel}\0{path.readlink()}\0".encode())
            continue
        if not path.is_file():
            continue
        h.update(f"F{rel}\0{path.stat().st_mode & 0o111}\0".encode())
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return "sha256:" + h.hexdigest()
