"""The project's image: find the image a build plan describes, or build it
(content-addressed: an image with the same inputs is never built twice).
The plan (devparity.plan) is decided once per command and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devparity import secrets
from devparity.config import Config
from devparity.engine import images
from devparity.engine.specs import BuildRequest
from devparity.errors import BuildFailed
from devparity.plan import BuildPlan


@dataclass(frozen=True)
class ImageResult:
    id: str
    built: bool
    plan: BuildPlan


def find_existing(p: BuildPlan, *, with_source: bool = True) -> str | None:
    """The newest image this checkout built from these inputs (and, with
    ``with_source``, this source)."""
    found = images.by_labels(p.wanted(with_source=with_source))
    return found[0].id if found else None


def ensure(
    p: BuildPlan,
    *,
    salt: str | None = None,
    with_source: bool = True,
    force: bool = False,
    on_line: Callable[[str], None] = lambda _line: None,
) -> ImageResult:
    """Return an image for plan ``p``; builds only when none matches.

    ``with_source=False`` accepts an image whose baked-in source is older
    (the dev container mounts the live source over it). ``salt`` keys the
    masks of secret values in the build log (the lock's salt).
    """
    if not force:
        existing = find_existing(p, with_source=with_source)
        if existing:
            return ImageResult(existing, built=False, plan=p)
    config = p.config
    redact = redactor(config, salt)
    request = BuildRequest(
        context=config.root,
        dockerfile=p.dockerfile,
        tag=p.tag(),
        labels=p.labels(),
        buildargs=config.build_args,
        network_mode=config.build_network,
        include=config.build_include,
    )
    try:
        image_id = images.build(request, lambda line: on_line(redact(line)))
    except BuildFailed as exc:
        raise BuildFailed(redact(exc.message), step=exc.step and redact(exc.step), log_tail=[redact(x) for x in exc.log_tail]) from None
    return ImageResult(image_id, built=True, plan=p)


def redactor(config: Config, salt: str | None = None) -> Callable[[str], str]:
    """Masks secret [app].env and [build].args values, in every escaped form
    the classic builder echoes them in (devparity.secrets.Redactor)."""
    return secrets.redactor({**config.env, **config.build_args}, salt or secrets.salt_of(None))
