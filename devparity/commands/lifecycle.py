"""`down` and `status` (`logs` and `exec`: devparity.commands.attach):
label queries over this checkout's containers (devparity.identity.scan:
the project's label, this checkout's id and a created-token). Containers
of other checkouts and of other tools are foreign: `status` lists them,
nothing else touches them."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from devparity import identity, labels, listening, ui
from devparity.engine import containers as engine_containers
from devparity.engine import networks as engine_networks
from devparity.engine import probes
from devparity.engine import volumes as engine_volumes
from devparity.errors import EXIT_OK

if TYPE_CHECKING:
    from devparity.engine.models import ContainerInfo
    from devparity.project import Project

STATUS_SCHEMA = 1


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


def _duration(seconds: float) -> str:
    d, rest = divmod(int(seconds), 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m}m"
    return f"{m}m {sec}s" if m else f"{sec}s"


def _row(c: ContainerInfo, now: datetime) -> dict[str, Any]:
    """One container (inspected) as a row of ``status``."""
    started = c.started_at
    return {
        "role": identity.printable(c.role or "?"),
        "kind": identity.printable(c.kind),  # app, service or process (issue 8)
        "component": identity.printable(c.component),  # app, or the service's or process's name
        "name": c.name,
        "id": c.short_id,
        "image": c.image_id,
        "inputs": c.inputs,
        "ports": [{"host_ip": p.host_ip, "host_port": p.host_port, "container": p.container} for p in c.ports],
        "state": c.status,
        "exit_code": c.exit_code,
        "started_at": started.isoformat() if started else None,
        "uptime_s": round((now - started).total_seconds()) if c.running and started else None,
    }


def rows(project: Project) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """This checkout's containers and the foreign ones, one dict each: role,
    name, id, image, ports, state, exit code, started_at, uptime_s,
    loopback_only (the JSON output's ``containers``); a foreign one adds
    ``owner`` (checkout or other) and ``config`` (the devparity.toml it
    names) as ``foreign``. Reads each running container's listening sockets
    (the loopback trap: a plain `up --detach` returns before the app listens)."""
    now = datetime.now(timezone.utc)
    found = identity.scan(project.config)
    ours, foreign = [], []
    local = probes.is_local()
    for c in found.ours:
        if (info := engine_containers.inspect(c.id)) is not None:
            ours.append({**_row(info, now), "loopback_only": listening.report(info, local)})
    for f in found.foreign:
        if (info := engine_containers.inspect(f.container.id)) is not None:
            foreign.append({**_row(info, now), "loopback_only": None, "owner": f.kind, "config": f.config, "why": f.describe()})
    key = lambda r: (r["role"], r["kind"] != labels.APP, r["name"])  # noqa: E731 - the app first
    return sorted(ours, key=key), sorted(foreign, key=key)


def status(project: Project, *, as_json: bool = False) -> int:
    found, foreign = rows(project)
    if as_json:
        doc = {"schema": STATUS_SCHEMA, "project": project.config.name, "containers": found, "foreign": foreign}
        ui.out(json.dumps(doc, indent=2))
        return EXIT_OK
    if not found:
        ui.note(f"no containers for {project.config.name} in this checkout (start one with `devparity up`)")
    else:
        _table(found)
        for r in found:
            for trap in r["loopback_only"] or ():
                ui.warn(trap["message"])
    if foreign:
        ui.out(f"foreign: {len(foreign)} container(s) labelled {project.config.name} that this checkout leaves alone")
        for r in foreign:
            ui.out(f"  {r['name']}  {r['state']}  {r['why']}")
    return EXIT_OK


def _table(found: list[dict[str, Any]]) -> None:
    table = [("ROLE", "COMPONENT", "NAME", "IMAGE", "PORTS", "STATE", "UPTIME")]
    for r in found:
        ports = ", ".join(f"{p['host_ip']}:{p['host_port']}->{p['container']}" for p in r["ports"]) or "-"
        state = r["state"] if r["exit_code"] is None else f"{r['state']} ({r['exit_code']})"
        uptime = _duration(r["uptime_s"]) if r["uptime_s"] is not None else "-"
        table.append((r["role"], r["component"], r["name"], r["image"].removeprefix("sha256:")[:12], ports, state, uptime))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        ui.out("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
