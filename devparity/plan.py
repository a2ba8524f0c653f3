"""The build plan of one command: what the project's image is made of,
decided once from the config and the base pin, then passed to everything
that needs it (build, up, check, lock). Pure: reads project files only.

The environment inputs (dependency files, template, config) are read and
hashed when the plan is made; the source tree is hashed on first use only
(``up`` never needs it when an image for these inputs exists) and at most
once per plan, however many steps ask.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devparity import identity, inputs, labels, render, treewatch
from devparity.engine import context
from devparity.config import Config

if TYPE_CHECKING:
    from devparity.project import Project


@dataclass(frozen=True)
class BuildPlan:
    config: Config
    digest: str | None  # the registry digest to build FROM; None: the tag
    inputs: inputs.Inputs
    dockerfile: str
    checkout: str
    _source: list[str] = field(default_factory=list, compare=False, repr=False)
    _source_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def source_hash(self) -> str:
        """The build context's hash, computed on first use (check asks from
        two threads: the lock makes it once)."""
        with self._source_lock:
            if not self._source:
                root, include = self.config.root, self.config.build_include
                # A watcher that saw nothing change since it hashed the tree
                # answers for it; else walk, and leave one behind (large trees).
                found = treewatch.ask(root, include)
                if found is None:
                    files = context.context_files(root, include)
                    found = inputs.source_hash(root, files)
                    treewatch.start(root, include, found, len(files))
                self._source.append(found)
            return self._source[0]

    def wanted(self, *, with_source: bool) -> dict[str, str]:
        """The labels an image of this plan carries; ``with_source=False``
        leaves out the source (any source will do: dev mounts its own)."""
        cfg = self.config
        return labels.wanted_image(cfg.name, cfg.root, inputs=self.inputs.hash, source=self.source_hash if with_source else None)

    def labels(self) -> dict[str, str]:
        """The labels a build of this plan gets (always with its source)."""
        cfg = self.config
        return labels.image(cfg.name, cfg.root, cfg.path, inputs=self.inputs.hash, source=self.source_hash)

    def tag(self) -> str:
        # the checkout is part of the key: a clone's build must not take the
        # tag of another clone's image (its labels name the other checkout)
        key = hashlib.sha256(f"{self.checkout}|{self.inputs.hash}|{self.source_hash}".encode()).hexdigest()[:12]
        return f"devparity/{self.config.name.lower()}:{key}"


def make(config: Config, digest: str | None) -> BuildPlan:
    """The plan for ``config`` built FROM ``digest`` (a registry pin) or the
    base tag. Reads the template and each dependency file once."""
    template = render.template_text(config.language)
    return BuildPlan(
        config=config,
        digest=digest,
        inputs=inputs.compute(config, digest, template=template),
        dockerfile=render.render(config, digest=digest, template=template),
        checkout=identity.checkout_id(config.root),
    )


def for_project(project: Project) -> BuildPlan:
    """The plan a command builds from: the lock's pin when it pins this
    config's base in a registry. Raises LockTampered for a hand-edited lock."""
    return make(project.config, project.lock.pin_for(project.config) if project.lock else None)
