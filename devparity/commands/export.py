"""`devparity export devcontainer|compose`: write the pinned environment in
another tool's format (issue 11). The image is the one `up` runs (found or
built as `up` does, from the lock's pin); the exporters in devparity.export
turn it and the config into a document, and this module writes the file."""

from __future__ import annotations

import os
from pathlib import Path

from devparity import builder, cache, files, pin, plan, runtimes, secrets, ui
from devparity.config import Config
from devparity.errors import EXIT_OK, DevparityError, UsageError
from devparity.export import MARKER, ImageChoice, choose_image
from devparity.export import compose as compose_doc
from devparity.export import devcontainer as devcontainer_doc
from devparity.export import yamltext
from devparity.project import Project


def locked_image(project: Project) -> ImageChoice:
    """The image `up` would run now, and the reference an exported file names
    it by. Side effects: may build it (as `up` does)."""
    if project.lock is None:
        ui.warn("no devparity.lock: the image is built from the base tag; run `devparity lock` to pin it")
    result = builder.ensure(
        plan.for_project(project), salt=secrets.salt_of(project.lock), with_source=False, on_line=ui.progress
    )
    if result.built:
        ui.ok(f"built image {result.id.removeprefix('sha256:')[:12]}")
    return choose_image(project.lock.data if project.lock else None, result.id)


def hidden_dirs(config: Config) -> tuple[str, ...]:
    """The project dirs `up` covers with a tmpfs in dev (devparity.roles.spec_for)."""
    return tuple(d for d in runtimes.get(config.language).shadowed if (config.root / d).is_dir())


def check_destination(path: Path, *, force: bool) -> None:
    """Refuse, before any build, to replace what devparity did not export:
    a file there without the marker (the team's own) unless ``force``, or
    something that is no regular file."""
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"{parent} is not a directory", hint="move it away, or pass --output")
    if not (path.is_symlink() or path.exists()):
        return
    if not path.is_file():
        raise UsageError(f"{path} exists and is not a regular file", hint="move it away, or pass --output")
    try:
        ours = MARKER in files.read_text(path)
    except DevparityError:  # unreadable, not UTF-8, too big: not ours
        ours = False
    if not ours and not force:
        raise UsageError(
            f"{path} exists and was not written by devparity export",
            hint="pass --force to replace it, or --output to write elsewhere",
        )


def write_export(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` atomically (see ``check_destination``)."""
    check_destination(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    cache.atomic_write_text(path, text)


def devcontainer(project: Project, *, output: Path | None = None, force: bool = False) -> int:
    config = project.config
    path = output or config.root / devcontainer_doc.PATH
    check_destination(path, force=force)
    image = locked_image(project)
    doc = devcontainer_doc.document(config, image, uid=os.getuid(), gid=os.getgid(), hide=hidden_dirs(config))
    write_export(path, devcontainer_doc.render(doc, image), force=force)
    ui.ok(f"wrote {path}")
    if config.services or config.processes:
        # an image-based devcontainer.json runs one container: say what it leaves out
        ui.warn(
            "the devcontainer runs the app's container only, not [services.*] or [processes.*]; "
            "`devparity export compose` runs them all"
        )
    ui.note(f"image: {image.note()}; open it with `devcontainer up --workspace-folder {config.root}` or an editor")
    return EXIT_OK


def compose(project: Project, *, output: Path | None = None, force: bool = False) -> int:
    config = project.config
    path = output or config.root / compose_doc.FILE
    check_destination(path, force=force)
    image = locked_image(project)
    service_images = {s.name: pin.service_image(project, s) for s in config.services}
    doc = compose_doc.document(
        config, image, uid=os.getuid(), gid=os.getgid(), service_images=service_images, hide=hidden_dirs(config)
    )
    write_export(path, compose_doc.header(config, image) + yamltext.dumps(doc), force=force)
    ui.ok(f"wrote {path}")
    ui.note(f"image: {image.note()}; run it with `docker compose -f {path} --profile dev up -d`")
    return EXIT_OK
