"""The labels devparity puts on everything it creates, and their builders.

Every image and container carries them, so status and cleanup are label
queries, never guesses. This module is neutral ground: the engine layer,
devparity.identity, the builder and the container specs all read the names
from here, and nothing here talks to the engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT = "devparity.project"
ROLE = "devparity.role"
INPUTS = "devparity.inputs"  # hash of the environment inputs (lock inputs)
SOURCE = "devparity.source"  # hash of the source tree baked into an image
CONFIG = "devparity.config"  # path of the devparity.toml (where another checkout lives)
# A stable id of the project root: two clones with one [project].name are two
# checkouts, and each acts on its own containers and images only (issue 7).
CHECKOUT = "devparity.checkout"
# Set on a container at create time, never on an image: role:nonce:hmac
# (devparity.identity). A container inherits its image's labels, so only this
# one tells a container devparity created from one that merely runs its image.
CREATED = "devparity.created"


def checkout_id(root: Path) -> str:
    """A stable id of a project root: the same clone always gets the same id,
    a second clone (or worktree) of the same project another."""
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:12]


def checkout(project_name: str, root: Path) -> dict[str, str]:
    """The labels that select this checkout's objects of a project."""
    return {PROJECT: project_name, CHECKOUT: checkout_id(root)}


def image(project_name: str, root: Path, config_path: Path, *, inputs: str, source: str | None = None) -> dict[str, str]:
    """The labels of an image built for a checkout; ``source`` is the hash of
    the source it bakes in (left out when any source will do)."""
    labels = {**checkout(project_name, root), INPUTS: inputs, CONFIG: str(config_path)}
    if source:
        labels[SOURCE] = source
    return labels


def wanted_image(project_name: str, root: Path, *, inputs: str, source: str | None = None) -> dict[str, str]:
    """The label query for an image of these inputs (and this source)."""
    labels = {**checkout(project_name, root), INPUTS: inputs}
    if source:
        labels[SOURCE] = source
    return labels


def container(project_name: str, root: Path, config_path: Path, *, role: str, inputs: str) -> dict[str, str]:
    """The labels of a container spec; the created-token is added at create
    time (devparity.identity.stamp), so a spec stays a pure value."""
    return {**checkout(project_name, root), ROLE: role, INPUTS: inputs, CONFIG: str(config_path)}

# What a container runs (issue 8): the app itself, one of its backing
# services or one of its own other processes, and that one's name. A
# container without them is the app (containers of older versions).
KIND = "devparity.kind"
COMPONENT = "devparity.component"
APP, SERVICE, PROCESS = "app", "service", "process"


def component(kind: str, name: str) -> dict[str, str]:
    """The labels naming what a container runs (none for the app itself)."""
    return {} if kind == APP else {KIND: kind, COMPONENT: name}
