"""The project's image: decide what to build (pure), then build it only when
no image with the same inputs exists (content-addressed)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from devparity import identity, inputs, labels, render
from devparity.config import Config
from devparity.engine import images
from devparity.engine.specs import BuildRequest
from devparity.errors import BuildFailed
from devparity.lock import Lock


@dataclass(frozen=True)
class BuildPlan:
    inputs: inputs.Inputs
    dockerfile: str
    source_hash: str | None  # None: any source will do (dev mounts its own)

    def labels(self, config: Config) -> dict[str, str]:
        return labels.image(config.name, config.root, config.path, inputs=self.inputs.hash, source=self.source_hash)

    def tag(self, config: Config) -> str:
        # the checkout is part of the key: a clone's build must not take the
        # tag of another clone's image (its labels name the other checkout)
        checkout = identity.checkout_id(config.root)
        key = hashlib.sha256(f"{checkout}|{self.inputs.hash}|{self.source_hash}".encode()).hexdigest()[:12]
        return f"devparity/{config.name.lower()}:{key}"


@dataclass(frozen=True)
class ImageResult:
    id: str
    built: bool
    plan: BuildPlan


def plan(config: Config, lock: Lock | None, *, with_source: bool = True) -> BuildPlan:
    digest = lock.pin_for(config) if lock else None
    files = images.context_files(config.root, config.build_include) if with_source else []
    source = inputs.source_hash(config.root, files) if with_source else None
    return BuildPlan(
        inputs=inputs.compute(config, digest),
        dockerfile=render.render(config, digest=digest),
        source_hash=source,
    )


def find_existing(config: Config, p: BuildPlan) -> str | None:
    """The newest image this checkout built from these inputs (and this source)."""
    wanted = labels.wanted_image(config.name, config.root, inputs=p.inputs.hash, source=p.source_hash)
    found = images.by_labels(wanted)
    return found[0].id if found else None


def ensure(
    config: Config,
    lock: Lock | None,
    *,
    with_source: bool = True,
    force: bool = False,
    on_line: Callable[[str], None] = lambda _line: None,
) -> ImageResult:
    """Return an image for ``config``; builds only when none matches.

    ``with_source=False`` accepts an image whose baked-in source is older
    (the dev container mounts the live source over it).
    """
    p = plan(config, lock, with_source=with_source)
    if not force:
        existing = find_existing(config, p)
        if existing:
            return ImageResult(existing, built=False, plan=p)
    if p.source_hash is None:  # building anyway: label it with the source it bakes in
        p = plan(config, lock, with_source=True)
    redact = redactor(config, lock)
    request = BuildRequest(
            context=config.root,
            dockerfile=p.dockerfile,
            tag=p.tag(config),
            labels=p.labels(config),
            buildargs=config.build_args,
            network_mode=config.build_network,
            include=config.build_include,
    )
    try:
        image_id = images.build(request, lambda line: on_line(redact(line)))
    except BuildFailed as exc:
        raise BuildFailed(redact(exc.message), step=exc.step and redact(exc.step), log_tail=[redact(x) for x in exc.log_tail]) from None
    return ImageResult(image_id, built=True, plan=p)


def redactor(config: Config, lock: Lock | None = None) -> Callable[[str], str]:
    """Masks secret [app].env and [build].args values, in every escaped form
    the classic builder echoes them in (devparity.secrets.Redactor)."""
    from devparity import secrets

    return secrets.redactor({**config.env, **config.build_args}, secrets.salt_of(lock))
