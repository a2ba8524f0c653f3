"""devparity.lock: the committed pin of an environment.

Deterministic JSON (sorted keys, two-space indent, a schema version),
written atomically, carrying a random ``salt`` (kept across rewrites; it
keys secret masks) and a ``digest`` over its own canonical content. Every
read validates the whole shape (``lockschema``) and records where the
lock's fields disagree with each other (a hand edit); ``lock --check`` and
``check`` compare the recorded inputs with the project's files, no engine.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from devparity import __version__, inputs, lockschema, secrets
from devparity.cache import atomic_write_text, canonical_json
from devparity.config import Config
from devparity.errors import LockError, LockTampered
from devparity.lockschema import HINT
from devparity.pin import BasePin
from devparity.release import Release
from devparity.render import base_image

LOCK_NAME = "devparity.lock"
SCHEMA = lockschema.SCHEMA
# A lock with a full fingerprint is tens of kilobytes; anything near this is
# not a lock devparity wrote, and reading it whole would only cost memory.
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Lock:
    """A lock read from disk: ``data`` passed ``lockschema.validate``;
    ``problems`` are its fields that disagree with each other (a hand edit)."""

    data: dict[str, Any]
    problems: tuple[str, ...] = ()

    @property
    def base_ref(self) -> str:
        return str(self.data["base"]["ref"])  # a str: lockschema validated it

    @property
    def base_digest(self) -> str | None:
        digest = self.data["base"].get("digest")
        return None if digest is None else str(digest)

    @property
    def base_source(self) -> str:
        return str(self.data["base"].get("source", "registry"))

    @property
    def fingerprint(self) -> dict[str, Any] | None:
        return self.data.get("fingerprint")

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """The service pins (issue 8), by name; empty for a lock without."""
        return dict(self.data.get("services") or {})

    @property
    def release(self) -> Release | None:
        """What `devparity push` released from this lock, when it did."""
        rel = self.data.get("release")
        return Release.from_dict(rel) if rel else None

    @property
    def digest(self) -> str:
        return str(self.data["digest"])

    @property
    def salt(self) -> str | None:
        """This lock's random salt (keys secret masks); kept across rewrites."""
        return self.data.get("salt")

    def pin_for(self, config: Config) -> str | None:
        """The registry digest to build FROM, when the lock pins this config's
        base image in a registry (local-only pins build from the tag).
        Refuses a lock whose fields disagree: its pin may not be the one its
        inputs were recorded with."""
        if self.problems:
            raise edited(self.problems)
        if self.base_ref == base_image(config) and self.base_source == "registry":
            return self.base_digest
        return None


def edited(problems: tuple[str, ...] | list[str]) -> LockTampered:
    return LockTampered(f"{LOCK_NAME} was edited by hand; run `devparity lock` ({'; '.join(problems)})")


def path_for(config: Config) -> Path:
    return config.root / LOCK_NAME


def read(config: Config) -> Lock | None:
    """The lock, validated whole (LockError naming the field when it is
    malformed), with its internal disagreements in ``problems``."""
    path = path_for(config)
    raw = _read_bytes(path)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LockError(f"{path}: not UTF-8 text (a binary file?)", hint=HINT) from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise LockError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})", hint=HINT) from None
    except (RecursionError, ValueError):
        raise LockError(f"{path}: not a lock devparity wrote (nested too deep or non-finite numbers)", hint=HINT) from None
    lockschema.validate(data, str(path))
    return Lock(data, tuple(inconsistencies(data)))


def _read_bytes(path: Path) -> bytes | None:
    """At most MAX_BYTES of a regular file; never blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockError(f"{path}: cannot read: {exc.strerror}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockError(f"{path}: not a regular file", hint=HINT)
    with os.fdopen(fd, "rb") as f:
        try:
            raw = f.read(MAX_BYTES + 1)
        except OSError as exc:
            raise LockError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(raw) > MAX_BYTES:
        raise LockError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB, not a lock devparity wrote", hint=HINT)
    return raw


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def content_digest(data: dict[str, Any]) -> str:
    """sha256 over the lock's canonical text without its own ``digest``."""
    return inputs.sha256_bytes(canonical_json({k: v for k, v in data.items() if k != "digest"}).encode())


def inconsistencies(data: dict[str, Any]) -> list[str]:
    """What a well-formed lock's own records disagree on, as short phrases
    (empty for a lock `devparity lock` wrote). Pure."""
    out: list[str] = []
    base, ins = data["base"], data["inputs"]
    if data["digest"] != content_digest(data):
        out.append("its content does not match its `digest`")
    if ins["base"]["ref"] != base["ref"]:
        out.append("`inputs.base.ref` is not `base.ref`")
    # A local-only pin builds from the tag, so its inputs record no digest.
    pinned = base["digest"] if base["source"] == "registry" else None
    if ins["base"]["digest"] != pinned:
        out.append("`inputs.base.digest` is not `base.digest`")
    if data["inputs_hash"] != inputs.sha256_json(ins):
        out.append("`inputs_hash` is not the hash of `inputs`")
    if "release" in data and data["release"]["inputs_hash"] != data["inputs_hash"]:
        out.append("`release.inputs_hash` is not `inputs_hash`")
    out += _released_services(data)
    fp = data["fingerprint"]
    if fp is not None:
        if fp["base"] != {"ref": base["ref"], "digest": base["digest"]}:
            out.append("`fingerprint.base` is not `base`")
        if (fp.get("runtimes") or {}).get(data["runtime"]["language"]) != data["runtime"]["in_image"]:
            out.append("`runtime.in_image` is not the fingerprint's runtime")
    for name, entry in sorted((data.get("services") or {}).items()):
        sfp = entry["fingerprint"]
        if sfp is not None and sfp["base"] != {"ref": entry["ref"], "digest": entry["digest"]}:
            out.append(f"`services.{name}.fingerprint.base` is not its pin")
    return out


def _released_services(data: dict[str, Any]) -> list[str]:
    """A pushed service image must be the local-only pin it claims to be."""
    pins = data.get("services") or {}
    out = []
    for name, entry in sorted(((data.get("release") or {}).get("services") or {}).items()):
        pin = pins.get(name)
        if pin is None or pin["source"] != "local" or pin["digest"] != entry["image_id"]:
            out.append(f"`release.services.{name}` is not the local-only pin of `services.{name}`")
    return out


def kept_release(release: Release, services: dict[str, dict[str, Any]]) -> Release:
    """``release`` without the pushed service images whose local-only pin
    ``services`` (a lock's new service entries) no longer records."""
    kept = {n: s for n, s in release.services.items()
            if (services.get(n) or {}).get("source") == "local" and services[n]["digest"] == s.image_id}
    return replace(release, services=kept)


def disagreements(config: Config, lock: Lock) -> list[str]:
    """``lock.problems`` plus what disagrees with devparity.toml although the
    config's image settings are the ones the lock recorded (so it is the lock
    that changed, not the config)."""
    out = list(lock.problems)
    if lock.data["inputs"]["config"] == inputs.sha256_json(config.image_inputs()):
        data = lock.data
        if data["project"] != config.name:
            out.append("`project` is not [project].name")
        if (data["runtime"]["language"], data["runtime"]["version"]) != (config.language, config.version):
            out.append("`runtime` is not [runtime]")
    return out


def make(
    config: Config,
    ins: inputs.Inputs,
    pin: BasePin,
    *,
    runtime_in_image: str | None,
    fingerprint: dict[str, Any] | None,
    salt: str | None = None,
    services: dict[str, dict[str, Any]] | None = None,
    release: Release | None = None,
) -> dict[str, Any]:
    """A lock's content, ``digest`` included. ``salt``: the previous lock's,
    kept across rewrites (a fresh one for a first lock). ``services``: NAME
    -> ``service_entry``, written when the config has services; ``release``:
    the previous lock's, kept while the inputs it was built from are these."""
    data = {
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
    if services or config.services:
        data["services"] = dict(services or {})
    if release is not None and release.inputs_hash == ins.hash:
        data["release"] = kept_release(release, services or {}).as_dict()
    return {**data, "digest": content_digest(data)}


def with_release(lock: Lock, rel: Release) -> dict[str, Any]:
    """The lock's content with ``rel`` as its release (sealed by ``write``)."""
    return {**lock.data, "release": rel.as_dict()}


def write(config: Config, data: dict[str, Any]) -> Path:
    """Seal (``digest``) and write atomically; a lock that would not pass
    ``read`` (an odd value from the engine or the image) is never written."""
    path = path_for(config)
    sealed = {**data, "digest": content_digest(data)}
    lockschema.validate(sealed, f"{path} (as devparity was about to write it)")
    atomic_write_text(path, canonical_json(sealed))
    return path


def stale_inputs(config: Config, lock: Lock, current_inputs: inputs.Inputs) -> list[str]:
    """What changed since the lock was written, as short phrases naming files:
    the lock's recorded inputs against ``current_inputs`` (a build plan's, so
    nothing is read twice). Empty when the lock is fresh. Pure."""
    recorded = lock.data["inputs"]
    current = current_inputs.as_dict()
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
