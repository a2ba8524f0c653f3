"""Images: build with streamed progress, look up by label (typed ImageInfo,
devparity.engine.models), resolve digests."""

from __future__ import annotations

import re
import tempfile
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from devparity.engine.context import context_files, patterns as context_patterns
from devparity.engine import api, client, lite, mapped_errors
from devparity.engine.models import EPOCH, ImageInfo
from devparity.errors import BuildFailed, Conflict, ImageNotFound, RegistryError
from devparity.imageref import familiar, repository

if TYPE_CHECKING:  # annotations only: `down` and `status` load this module, not the specs
    from devparity.engine.specs import BuildRequest

LOG_TAIL = 15  # lines of build output shown when a step fails
# The classic builder's bookkeeping lines: kept in the failure tail, not shown as progress.
_NOISE = re.compile(r"^\s*(---> |Removing intermediate container|Successfully tagged)")


__all__ = ["ImageInfo", "build", "by_labels", "context_files", "find", "inspect", "pull", "remove"]


def build(req: BuildRequest, on_line: Callable[[str], None]) -> str:
    """Build ``req`` and return the image id; each output line goes to ``on_line``.

    The context tar is made here from ``context_files`` (the default
    excludes, .dockerignore, [build].include), so the engine receives exactly
    the files the source hash covers. Side effects: a temp file holds the tar.
    """
    # The package first, holding no other import lock: a submodule import
    # that waits for `docker` while another thread imports it deadlocks,
    # and Python fails one side (KeyError: 'docker'; issue 8's services
    # start on a thread while the build imports this).
    import docker  # noqa: F401
    from docker.utils.build import create_archive

    name = ".devparity.Dockerfile"  # a stable name keeps the COPY layers cacheable
    patterns = context_patterns(req.context, req.include)
    names = context_files(req.context, req.include)
    # As the SDK does for a Dockerfile outside the context: it travels in the
    # tar, with a .dockerignore that keeps it (and the excludes) out of COPY.
    # That .dockerignore is ours, not the project's: it stays out of the image
    # too (the builder always receives both files; COPY honours the list).
    names = [n for n in names if n != ".dockerignore"]
    extra = [(".dockerignore", "\n".join([*patterns, name, ".dockerignore"])), (name, req.dockerfile)]
    context = tempfile.TemporaryFile()
    step = None
    tail: deque[str] = deque(maxlen=LOG_TAIL)
    image_id = None
    pending = ""
    try:
        with mapped_errors("build"):
            create_archive(root=str(req.context), files=names, fileobj=context, extra_files=extra)
            context.seek(0)
            stream = client().api.build(
                fileobj=context,
                custom_context=True,
                dockerfile=name,
                tag=req.tag,
                labels=req.labels,
                buildargs=req.buildargs or None,
                network_mode=req.network_mode,
                rm=True,
                forcerm=True,
                decode=True,
            )
            for chunk in stream:
                if "error" in chunk:
                    detail = (chunk.get("errorDetail") or {}).get("message") or chunk["error"]
                    raise BuildFailed(
                        f"build failed at {step or 'the first step'}: {detail.strip()}", step=step, log_tail=list(tail)
                    )
                if aux := chunk.get("aux"):
                    image_id = aux.get("ID") or image_id
                # A chunk may end mid-line (a RUN step writing unbuffered):
                # only whole lines go on, so redaction sees a value in one piece.
                pending += chunk.get("stream") or ""
                *lines, pending = pending.split("\n")
                for line in (part for whole in lines for part in whole.splitlines()):
                    step, image_id = _line(line, step, image_id, tail, on_line)
            for line in pending.splitlines():
                step, image_id = _line(line, step, image_id, tail, on_line)
    finally:
        context.close()
    if not image_id:
        raise BuildFailed("build ended without an image id", step=step, log_tail=list(tail))
    return image_id if image_id.startswith("sha256:") else inspect(image_id).id


def _line(
    line: str, step: str | None, image_id: str | None, tail: deque[str], on_line: Callable[[str], None]
) -> tuple[str | None, str | None]:
    """One whole line of build output: noted (step, image id, tail) and passed on."""
    line = line.rstrip()
    if not line.strip():
        return step, image_id
    if line.startswith("Step "):
        step = line.strip()
    if m := re.match(r"Successfully built ([0-9a-f]+)", line):
        image_id = image_id or m.group(1)
    tail.append(line)
    if not _NOISE.match(line):
        on_line(line)
    return step, image_id


def inspect(ref: str) -> ImageInfo:
    """The local image ``ref`` (id or reference); raises ImageNotFound."""
    with mapped_errors(f"inspect image {ref}", missing=ImageNotFound):
        return ImageInfo.from_inspect(api().inspect_image(ref))


def find(ref: str) -> ImageInfo | None:
    """The local image ``ref``, or None when it is not here."""
    try:
        return inspect(ref)
    except ImageNotFound:
        return None


def by_labels(labels: dict[str, str]) -> list[ImageInfo]:
    """Images carrying all ``labels``, newest first (from the list
    summaries: no config, and no repo digests on a 20.10 engine)."""
    filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
    with mapped_errors("list images"):
        found = [ImageInfo.from_summary(i) for i in api().images(filters=filters)]
    found.sort(key=lambda i: i.created or EPOCH, reverse=True)
    if len(found) > 1 and found[0].created == found[1].created:
        # The list gives whole seconds; inspect's timestamp breaks the tie
        # (two builds in one second are common: a source-only rebuild is fast).
        newest = found[0].created
        tied = [i for i in found if i.created == newest]
        tied.sort(key=lambda i: inspect(i.id).created or EPOCH, reverse=True)
        found[: len(tied)] = tied
    return found


def remove(image_id: str) -> bool:
    """Remove an image unless a container (of any project) still uses it;
    returns whether it went. The engine's own refusal (a Conflict) is the
    safety check."""
    try:
        with mapped_errors("remove image"):
            client().api.remove_image(image_id, force=False, noprune=False)
    except Conflict:
        return False
    return True


def registry_digest(ref: str) -> str:
    """The digest ``ref`` resolves to in its registry now (``sha256:...``)."""
    engine = api()
    if isinstance(engine, lite.Lite) and not lite.needs_credentials():
        try:
            return engine.distribution_digest(ref)
        except lite.APIError as exc:
            raise RegistryError(f"cannot resolve {ref} in its registry: {exc.explanation.strip()}") from exc
        except Exception as exc:  # no engine, or an answer that is no digest
            raise RegistryError(f"cannot resolve {ref} in its registry: {exc}") from exc
    from docker import errors as de

    try:
        return str(client().images.get_registry_data(ref).id)
    except de.APIError as exc:
        raise RegistryError(f"cannot resolve {ref} in its registry: {(exc.explanation or str(exc)).strip()}") from exc
    except Exception as exc:  # connection errors from requests
        raise RegistryError(f"cannot resolve {ref} in its registry: {exc}") from exc


def repo_digest(image: ImageInfo, ref: str) -> str | None:
    """The digest a local image was pulled or pushed under for ``ref``'s own
    repository (never another repository the same image was pushed to)."""
    wanted = familiar(repository(ref))
    for rd in image.repo_digests:
        name, _, digest = rd.partition("@")
        if familiar(name) == wanted:
            return digest
    return None


def pull(ref: str) -> None:
    with mapped_errors(f"pull {ref}"):
        client().api.pull(ref)
