"""The rebuild step of a watching ``up``: re-read the project, then ensure its
image on a background thread, so a Ctrl-C during a long build still stops
the session promptly (the engine drops a build whose client went away)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from devparity import builder, plan, secrets, ui
from devparity import project as project_mod
from devparity.errors import BuildFailed, DevparityError, EngineUnavailable
from devparity.project import Project

if TYPE_CHECKING:  # session imports this module: the type is for annotations only
    from devparity.dev.session import Session

T = TypeVar("T")


class Stopped(Exception):
    """The session was asked to stop while waiting on something slow."""


def in_background(fn: Callable[[], T], stop: threading.Event, *, name: str = "devparity-rebuild") -> T:
    """``fn()`` on a daemon thread; raises Stopped as soon as ``stop`` is set,
    and whatever ``fn`` raised otherwise."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target, name=name, daemon=True)
    t.start()
    while t.is_alive():
        t.join(0.1)
        if stop.is_set():
            raise Stopped
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def rebuild(current: Project, stop: threading.Event) -> tuple[Project, builder.ImageResult]:
    """The project as it is now on disk and its image (built only when no
    image with these environment inputs exists). Raises ConfigError,
    BuildFailed, ... for the caller to report; the running containers are
    not touched here."""
    fresh = project_mod.load(config_path=current.config.path)
    result = in_background(lambda: builder.ensure(
            plan.for_project(fresh), salt=secrets.salt_of(fresh.lock), with_source=False, on_line=ui.progress
        ), stop)
    return fresh, result


def apply_rebuild(session: Session) -> None:
    """A dependency file or devparity.toml changed: rebuild, then recreate
    the containers whose spec changed. A failed build is reported and the
    old containers keep serving; an engine outage is raised for the loop."""
    started = session.clock()
    try:
        project, result = session.rebuild(session.project, session.stop)
    except BuildFailed as exc:
        for line in exc.log_tail:
            ui.progress(line)
        ui.error(f"{exc}; the old container keeps serving; save again to retry")
        return
    except EngineUnavailable:  # an outage, not a failed build: the loop waits for the engine
        raise
    except DevparityError as exc:
        ui.error(f"{exc}; the old container keeps serving; save again to retry")
        return
    session.project, session.result = project, result
    if session.watcher:
        c = project.config
        session.watcher.configure(ignore=c.dev_ignore, dep_files=c.dep_files, debounce_ms=c.debounce_ms)
    short = result.id.removeprefix("sha256:")[:12]
    changed = []
    roles = session.roles or tuple(dict.fromkeys(r.spec.role for r in session.running.values()))
    wanted = {key: spec for role in roles for key, spec in session.specs(role).items()}
    for key in [k for k in session.running if k not in wanted]:  # a process the config dropped
        session.retire(key)
        changed.append(key)
    for key, spec in wanted.items():
        r = session.running.get(key)
        if r is None or spec != r.spec or r.gone:
            session.replace(spec)
            changed.append(key)
    how = f"built {short} in {session.clock() - started:.1f}s" if result.built else f"image {short} (cached)"
    if changed:
        ui.ok(f"rebuild: {how}; recreated {', '.join(changed)}")
    else:
        ui.ok(f"rebuild: {how}; containers unchanged")
        session.reload(started)
