"""`devparity build` and `devparity render`."""

from __future__ import annotations

import time

from devparity import builder, plan, render, secrets, ui
from devparity.errors import EXIT_OK
from devparity.project import Project


def render_cmd(project: Project) -> int:
    # secret ENV values masked, as in the build log (the README promises it)
    # (rendered alone: `render` needs no dependency file to exist)
    digest = project.lock.pin_for(project.config) if project.lock else None
    redact = builder.redactor(project.config, secrets.salt_of(project.lock))
    ui.out(redact(render.render(project.config, digest=digest)).rstrip("\n"))
    return EXIT_OK


def build(project: Project, *, force: bool = False, quiet: bool = False) -> int:
    started = time.monotonic()
    result = builder.ensure(
        plan.for_project(project),
        salt=secrets.salt_of(project.lock),
        force=force,
        on_line=(lambda _l: None) if quiet else ui.progress,
    )
    elapsed = time.monotonic() - started
    short = result.id.removeprefix("sha256:")[:12]
    if result.built:
        ui.ok(f"built {result.plan.tag()} ({short}) in {elapsed:.1f}s")
    else:
        ui.ok(f"image {short} is up to date (inputs unchanged; no build)")
    if project.lock is None:
        ui.note("no devparity.lock yet: the base image is not pinned (run `devparity lock`)")
    ui.out(result.id)
    return EXIT_OK
