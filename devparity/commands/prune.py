"""`devparity prune`: remove this project's images that nothing needs (and
the dev build-cache volumes no container uses).

Every source-only `build` makes a new image (the dependency layers are
shared, the source layer is not), so images pile up. Kept: the newest image
for the current inputs (what `up` would run) and every image a container of
this project uses. Everything else this checkout built goes: images of
another clone with the same [project].name carry its checkout id and stay.
"""

from __future__ import annotations

from pathlib import Path

from devparity import builder, labels, plan, ui
from devparity.engine import containers as engine_containers
from devparity.engine import images, volumes
from devparity.errors import EXIT_OK
from devparity.project import Project


def prune(project: Project, *, dry_run: bool = False) -> int:
    cfg = project.config
    found = images.by_labels(labels.checkout(cfg.name, cfg.root))  # newest first
    # any container's image is kept, foreign ones' too (the engine would refuse anyway)
    keep = {c.image_id for c in engine_containers.find(cfg.name)}
    current = builder.find_existing(plan.for_project(project), with_source=False)
    if current:
        keep.add(current)
    doomed = [i.id for i in found if i.id not in keep]
    _prune_volumes(cfg.name, cfg.root, dry_run=dry_run)
    if not doomed:
        ui.ok(f"nothing to prune: {len(found)} image(s) of {cfg.name}, all in use or current")
        return EXIT_OK
    removed = 0
    for image_id in doomed:
        short = image_id.removeprefix("sha256:")[:12]
        if dry_run:
            ui.info(f"would remove {short}")
        elif images.remove(image_id):
            removed += 1
        else:
            ui.note(f"kept {short}: a container still uses it")
    if dry_run:
        ui.ok(f"would remove {len(doomed)} image(s) of {cfg.name}; keeping {len(found) - len(doomed)}")
    else:
        ui.ok(f"removed {removed} image(s) of {cfg.name}; kept {len(found) - removed}")
    return EXIT_OK


def _prune_volumes(name: str, root: Path, *, dry_run: bool) -> None:
    """The dev container's build caches (a runtime's dev volumes) go too
    unless a container uses them; the next `up` starts them afresh."""
    for volume in volumes.by_labels(labels.checkout(name, root)):
        if dry_run:
            ui.info(f"would remove volume {volume}")
        elif volumes.remove(volume):
            ui.info(f"removed volume {volume}")
