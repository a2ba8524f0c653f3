"""`down`: remove this checkout's containers, networks and (asked) volumes,
found by label (devparity.identity.scan: the project's label, this
checkout's id and a created-token). Containers of other checkouts and of
other tools are foreign: `status` (devparity.commands.status) lists them,
nothing else touches them. `logs` and `exec`: devparity.commands.attach.
Each apart, so `down`, the command run most, loads only what it uses."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from devparity import identity, labels, ui
from devparity.engine import containers as engine_containers
from devparity.engine import networks as engine_networks
from devparity.engine import volumes as engine_volumes
from devparity.errors import EXIT_OK

if TYPE_CHECKING:
    from devparity.engine.models import ContainerInfo
    from devparity.project import Project


def down(project: Project, *, volumes: bool = False) -> int:
    """Remove every container of this checkout, whichever session started it
    (a running ``up`` notices and ends; orphans of a killed session go too),
    then its networks (issue 8); with ``volumes`` its volumes too (services'
    data, dev build caches). Foreign containers (another checkout's, another
    tool's) stay, and so does everything they use."""
    found = identity.scan(project.config)
    left = f" (left alone: {len(found.foreign)} foreign, see `devparity status`)" if found.foreign else ""
    if not found.ours:
        ui.note(f"no containers for {project.config.name} in this checkout{left}")
    else:
        _remove(found.ours)
        ui.ok(f"removed {', '.join(sorted(c.name for c in found.ours))}{left}")
    _remove_the_rest(project, volumes=volumes)
    return EXIT_OK


def _remove(ours: list[ContainerInfo]) -> None:
    # At once (KILL and remove, one call each, as `docker rm -f`): a stop
    # first cost a round trip and the app's exit, and brought nothing: the
    # containers are thrown away, the dev supervisor keeps nothing to clean
    # up (its app dies with the container), and the project's files are the
    # host's. A graceful stop is `up`'s Ctrl-C. In parallel, a thread each
    # (concurrent.futures would import logging: start-up `down` pays); the
    # first error is re-raised here, on the main thread, to reach the CLI's
    # error boundary.
    errors: list[BaseException | None] = [None] * len(ours)

    def remove(i: int) -> None:
        try:
            engine_containers.remove_at_once(ours[i].id)
        except BaseException as exc:  # handed to the main thread, as Future.result() does
            errors[i] = exc

    threads = [threading.Thread(target=remove, args=(i,)) for i in range(len(ours))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for exc in errors:
        if exc is not None:
            raise exc


def _remove_the_rest(project: Project, *, volumes: bool) -> None:
    """The checkout's networks, and with ``volumes`` its volumes: by label,
    so another checkout's of the same project stay. One still in use (by a
    foreign container) is kept, and said."""
    config = project.config
    gone = engine_networks.remove_unused(labels.checkout(config.name, config.root))
    if gone:
        ui.ok(f"removed network {', '.join(gone)}")
    if not volumes:
        return
    names = engine_volumes.by_labels(labels.checkout(config.name, config.root))
    kept = [n for n in names if not engine_volumes.remove(n)]
    removed = [n for n in names if n not in kept]
    if removed:
        ui.ok(f"removed volume {', '.join(removed)}")
    if kept:
        ui.warn(f"kept volume {', '.join(kept)}: a container still uses it")
