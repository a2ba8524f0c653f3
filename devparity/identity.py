"""Which containers are this checkout's (issue 7, finding 9).

Containers were found by ``[project].name`` alone, so two clones with one
name removed each other's containers, and a container that merely ran
devparity's image (a Dev Containers session, a plain ``docker run``) was
listed and removed too: a container inherits every label of its image.

Two labels decide now:

- ``devparity.checkout``: a stable id of the project root, on images and
  containers alike;
- ``devparity.created = role:nonce:hmac``, set only when devparity creates a
  container, the HMAC keyed with a per-user secret kept in the cache dir over
  (project, checkout, role, nonce). An image never carries it, so a container
  whose value equals its image's inherited it (``docker commit`` of one of
  ours) and is not ours either.

A container is ours when both hold; every other container labelled with the
project is *foreign*: another checkout's (its config label says where) or
another tool's. Commands act on ours only; ``status`` lists the foreign.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devparity import cache
from devparity.labels import CHECKOUT as LABEL_CHECKOUT
from devparity.labels import CONFIG as LABEL_CONFIG
from devparity.labels import CREATED as LABEL_CREATED
from devparity.labels import PROJECT as LABEL_PROJECT
from devparity.labels import ROLE as LABEL_ROLE
from devparity.errors import UsageError
from devparity.labels import checkout_id

if TYPE_CHECKING:
    from devparity.config import Config
    from devparity.engine.models import ContainerInfo

# checkout_id lives in devparity.labels (a label value); still importable here.
__all__ = [
    "CHECKOUT", "OTHER", "OURS", "Foreign", "Scan", "checkout_id", "created_here", "key", "owner",
    "printable", "scan", "short", "stamp", "token",
]

OURS, CHECKOUT, OTHER = "ours", "checkout", "other"  # a container's owner
KEY_FILE = "key"
_MAC_HEX = 32  # 128 bits of HMAC-SHA256: plenty against a guess, short in `docker inspect`


def short(checkout: str) -> str:
    """The part of a checkout id that goes into container names."""
    return checkout[:8]


def key() -> bytes:
    """This user's secret for created-tokens, made on first use (0600).
    Side effects: creates ``<cache>/identity/key``."""
    try:
        return _key_at(cache.cache_dir("identity") / KEY_FILE)
    except OSError as exc:
        raise UsageError(
            f"cannot keep devparity's container key in the cache directory: {exc.strerror}",
            hint="make the cache directory writable, or point DEVPARITY_CACHE_DIR at one that is",
        ) from None


@functools.lru_cache(maxsize=8)  # keyed by path: tests switch DEVPARITY_CACHE_DIR
def _key_at(path: Path) -> bytes:
    with contextlib.suppress(FileNotFoundError):
        parsed = _parse(path.read_text(encoding="ascii", errors="replace"))
        if parsed:
            return parsed
    _write_key(path, replace=path.exists())
    parsed = _parse(path.read_text(encoding="ascii", errors="replace"))
    if parsed is None:  # pragma: no cover - only if the file changes under us twice
        raise OSError(0, "the key file keeps changing")
    return parsed


def _parse(text: str) -> bytes | None:
    text = text.strip()
    if len(text) != 64:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _write_key(path: Path, *, replace: bool) -> None:
    """A new key, whole or not at all: written to a temp file, then linked
    into place (a concurrent first use keeps the winner's key) or, for a
    damaged file, renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=".key.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _mac(secret: bytes, project: str, checkout: str, role: str, nonce: str) -> str:
    message = "\0".join((project, checkout, role, nonce)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:_MAC_HEX]


def token(secret: bytes, project: str, checkout: str, role: str, nonce: str | None = None) -> str:
    """The ``devparity.created`` value for a new container."""
    nonce = nonce or secrets.token_hex(8)
    return f"{role}:{nonce}:{_mac(secret, project, checkout, role, nonce)}"


def stamp(labels: dict[str, str], secret: bytes | None = None) -> dict[str, str]:
    """``labels`` plus a fresh created-token for them (they must name the
    project, checkout and role). Called at create time: specs stay pure."""
    secret = key() if secret is None else secret
    value = token(secret, labels[LABEL_PROJECT], labels.get(LABEL_CHECKOUT, ""), labels[LABEL_ROLE])
    return {**labels, LABEL_CREATED: value}


def created_here(labels: dict[str, str], image_labels: dict[str, str], secret: bytes) -> bool:
    """Whether this user's devparity created the container with ``labels``
    (its image's ``image_labels``): a token that checks out against the
    container's own project, checkout and role, and that its image does not
    carry (an inherited label is never proof)."""
    value = labels.get(LABEL_CREATED)
    if not value or value == image_labels.get(LABEL_CREATED):
        return False
    role, _, rest = value.partition(":")
    nonce, _, mac = rest.partition(":")
    if not (role and nonce and mac) or role != labels.get(LABEL_ROLE):
        return False
    want = _mac(secret, labels.get(LABEL_PROJECT, ""), labels.get(LABEL_CHECKOUT, ""), role, nonce)
    return hmac.compare_digest(mac, want)


def owner(labels: dict[str, str], image_labels: dict[str, str], *, checkout: str, secret: bytes) -> str:
    """OURS, CHECKOUT (a devparity container of another checkout) or OTHER
    (a container some other tool made from a devparity image)."""
    if labels.get(LABEL_CHECKOUT) == checkout:
        return OURS if created_here(labels, image_labels, secret) else OTHER
    value = labels.get(LABEL_CREATED)
    # Another checkout may belong to another user (another key): its token
    # cannot be checked here, but one its image does not carry was set at create.
    if value and value != image_labels.get(LABEL_CREATED) and labels.get(LABEL_CHECKOUT):
        return CHECKOUT
    return OTHER


@dataclass(frozen=True)
class Foreign:
    """A container labelled with the project that is not this checkout's."""

    container: ContainerInfo  # from the list summary (devparity.engine.containers.find)
    kind: str  # CHECKOUT or OTHER
    config: str | None  # the devparity.toml it says it came from

    def describe(self) -> str:
        if self.kind == CHECKOUT:
            return f"another checkout ({printable(self.config or '?')})"
        return "not created by devparity in this checkout (another tool, or a `docker run` of its image)"


@dataclass(frozen=True)
class Scan:
    ours: list[ContainerInfo]
    foreign: list[Foreign]


def scan(config: Config, role: str | None = None) -> Scan:
    """The project's containers (all states, from the list summaries), split
    into this checkout's and the foreign. Side effects: asks the engine for
    the containers and for each distinct image's labels."""
    # Here, not at the top: engine.containers stamps labels with this
    # module's token (identity.stamp), so a top-level import is a cycle.
    from devparity.engine import containers, images

    checkout = checkout_id(config.root)
    secret = key()
    image_labels: dict[str, dict[str, str]] = {}
    ours: list[ContainerInfo] = []
    foreign: list[Foreign] = []
    for c in containers.find(config.name, role):
        if c.image_id not in image_labels:
            image = images.find(c.image_id) if c.image_id else None
            image_labels[c.image_id] = image.labels if image else {}
        kind = owner(c.labels, image_labels[c.image_id], checkout=checkout, secret=secret)
        if kind == OURS:
            ours.append(c)
        else:
            foreign.append(Foreign(c, kind, c.labels.get(LABEL_CONFIG)))
    return Scan(ours, foreign)


def printable(text: str) -> str:
    """``text`` with control characters escaped: labels are set by whoever
    made the container, and a newline in one must not forge an output line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
