"""`devparity export devcontainer|compose|k8s`: the pinned environment in
another tool's format. devcontainer and compose (issue 11) name the image
`up` runs (found or built as `up` does, from the lock's pin), turned into a
document by devparity.export and written to a file; k8s (issue 9) prints
manifests of the lock's release (devparity.k8s), for `kubectl apply -f -`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from devparity import builder, cache, files, pin, plan, runtimes, secrets, ui
from devparity import k8s as k8s_doc
from devparity.commands.push import fresh_lock
from devparity.config import Config
from devparity.errors import EXIT_OK, DevparityError, NotReleasable, UsageError
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


def k8s(project: Project, *, replicas: int = 1) -> int:
    lk = fresh_lock(project, "export")
    if lk.release is None:
        raise NotReleasable("devparity.lock records no release to export", hint="run `devparity push` first")
    doc = k8s_doc.manifests(project.config, lk, lk.release, replicas=replicas)
    ui.out(json.dumps(doc, indent=2, sort_keys=True))
    keys = k8s_doc.secret_keys(project.config)
    if keys:
        name = k8s_doc.secret_name(project.config)
        ui.note(
            f"env {', '.join(keys)} come{'s' if len(keys) == 1 else ''} from the Secret {name} "
            f"(values are never printed): kubectl create secret generic {name} "
            + " ".join(f"--from-literal={k}=..." for k in keys)
        )
    return EXIT_OK
