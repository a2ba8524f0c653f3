"""`devparity build` and `devparity render`."""

from __future__ import annotations

import time

from devparity import builder, render, ui
from devparity.project import Project


def render_cmd(project: Project) -> int:
    digest = project.lock.pin_for(project.config) if project.lock else None
    # secret ENV values masked, as in the build log (the README promises it)
    redact = builder.redactor(project.config, project.lock)
    ui.out(redact(render.render(project.config, digest=digest)).rstrip("\n"))
    return 0


def build(project: Project, *, force: bool = False, quiet: bool = False) -> int:
    started = time.monotonic()
    result = builder.ensure(
        project.config, project.lock, force=force, on_line=(lambda _l: None) if quiet else ui.progress
    )
    elapsed = time.monotonic() - started
    short = result.id.removeprefix("sha256:")[:12]
    if result.built:
        ui.ok(f"built {result.plan.tag(project.config)} ({short}) in {elapsed:.1f}s")
    else:
        ui.ok(f"image {short} is up to date (inputs unchanged; no build)")
    if project.lock is None:
        ui.note("no devparity.lock yet: the base image is not pinned (run `devparity lock`)")
    ui.out(result.id)
    return 0
