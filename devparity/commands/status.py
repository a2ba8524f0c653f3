"""`status`: role, image, ports, state and uptime of this checkout's
containers (devparity.identity.scan), the foreign ones listed apart, and
the loopback trap of a running app (devparity.listening)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from devparity import identity, labels, listening, ui
from devparity.engine import containers as engine_containers
from devparity.engine import probes
from devparity.errors import EXIT_OK

if TYPE_CHECKING:
    from devparity.engine.models import ContainerInfo
    from devparity.project import Project

STATUS_SCHEMA = 1


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
    foreign = []
    local = probes.is_local()
    infos = [info for c in found.ours if (info := engine_containers.inspect(c.id)) is not None]
    # Locally two /proc reads each; through a remote engine an exec each
    # (over ssh a new connection, ~0.6 s): those at once.
    if local or len(infos) < 2:
        reports = [listening.report(info, local) for info in infos]
    else:
        with ThreadPoolExecutor(max_workers=min(8, len(infos))) as pool:
            reports = list(pool.map(lambda info: listening.report(info, local), infos))
    ours = [{**_row(info, now), "loopback_only": report} for info, report in zip(infos, reports)]
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
