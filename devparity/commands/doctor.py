"""`devparity doctor` (issue 11): measure, then let devparity.doctor judge.

Side effects: one throwaway container is created (never started) and removed
to see whether the engine sees the project directory (devparity.engine.copy.sees,
the probe `up` uses for [dev].source auto), with a marker file written and
removed in the project root; 127.0.0.1 ports are bound and released at once.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from devparity import doctor, engine, runtimes, ui
from devparity.config import CONFIG_NAME, Config
from devparity.doctor import Check
from devparity.errors import DevparityError, EngineUnavailable
from devparity.project import Project

if TYPE_CHECKING:
    from devparity.engine.system import EngineInfo
    from devparity.drift.gather import HostProbe

REGISTRY_TIMEOUT = 3.0  # seconds per registry: a doctor must not hang on an offline laptop


def find_project(start: Path) -> Project | None:
    """The project around ``start``; None when there is no devparity.toml at
    all. A config that exists but is broken raises (exit 2), as elsewhere."""
    from devparity import project

    start = start.resolve()
    if not any((d / CONFIG_NAME).exists() or (d / CONFIG_NAME).is_symlink() for d in (start, *start.parents)):
        return None
    return project.load(start, strict_lock=False)


def run(proj: Project | None, *, as_json: bool = False) -> int:
    host_probe = _host_probe(proj.config) if proj else None  # runs while the engine is asked
    checks, info = _engine_checks()
    if proj is not None:
        checks += _project_checks(proj, engine_ok=info is not None)
        if host_probe is not None:
            checks.append(_host_check(proj.config, host_probe))
    code = doctor.exit_code(checks)
    if as_json:
        doc = doctor.document(
            checks, project=proj.config.name if proj else None, config=str(proj.config.root / CONFIG_NAME) if proj else None
        )
        ui.out(json.dumps(doc, indent=2))
        return code
    _print(checks, proj)
    return code


def _engine_checks() -> tuple[list[Check], EngineInfo | None]:
    from devparity.engine import system

    address = engine.engine_address()
    try:
        t0 = time.time()
        info = system.info()
        host_now = (t0 + time.time()) / 2  # the engine read its clock between the two
    except EngineUnavailable as exc:
        return [doctor.engine(address, None, None, exc.message, exc.hint)], None
    checks = [doctor.engine(address, info.server_version, info.api_version, None, None), doctor.storage(info.storage_driver)]
    skew = None if info.system_time is None else info.system_time.timestamp() - host_now
    checks.append(doctor.clock(skew))
    return checks, info


def _project_checks(proj: Project, *, engine_ok: bool) -> list[Check]:
    cfg = proj.config
    with ThreadPoolExecutor(max_workers=8) as pool:
        regs = [pool.submit(_registry_check, ref, source) for ref, source in _pins(proj)]
        checks = [_sees_check(cfg, engine_ok), _inotify_check(cfg)]
        checks += _port_checks(cfg, engine_ok)
        checks += [r.result() for r in regs]
    return checks


def _sees_check(cfg: Config, engine_ok: bool) -> Check:
    if cfg.dev_source == "sync":
        return doctor.sees("sync", str(cfg.root), None)
    if not engine_ok:
        return doctor.sees(cfg.dev_source, str(cfg.root), None, "the engine does not answer")
    from devparity import render
    from devparity.dev import sync
    from devparity.engine import images

    image = images.find(render.base_image(cfg))
    if image is None:
        return doctor.sees(cfg.dev_source, str(cfg.root), None, f"no local image to probe with ({render.base_image(cfg)} is not on the engine yet)")
    try:
        seen = sync.engine_sees(cfg.root, image.id, {})
    except DevparityError as exc:
        return doctor.sees(cfg.dev_source, str(cfg.root), None, f"the probe failed: {exc.message}")
    return doctor.sees(cfg.dev_source, str(cfg.root), seen)


def _inotify_check(cfg: Config) -> Check:
    from devparity.dev.watch import SourceFilter, watched_dirs

    try:
        limit: int | None = int(Path("/proc/sys/fs/inotify/max_user_watches").read_text().strip())
    except (OSError, ValueError):
        limit = None
    return doctor.inotify(limit, len(watched_dirs(cfg.root, SourceFilter(cfg.root, cfg.dev_ignore))))


def _wanted_ports(cfg: Config) -> dict[int, str]:
    wanted = {h: f"dev, container port {c}" for c, h in cfg.dev_ports.items()}
    wanted |= {h: f"prod, container port {c}" for c, h in cfg.prod_ports.items()}
    for s in cfg.services:
        wanted |= {h: f"service {s.name}, container port {c}" for c, h in s.ports.items()}
    return wanted


def _port_checks(cfg: Config, engine_ok: bool) -> list[Check]:
    wanted = _wanted_ports(cfg)
    ours: set[int] = set()
    if engine_ok:
        from devparity.engine import containers

        try:
            ours = {p.host_port for c in containers.find(cfg.name) if c.running for p in c.ports}
        except DevparityError:
            pass  # the ports are still tested; a held one is then reported as taken
    return doctor.ports(wanted, {p: _bindable(p) for p in wanted}, ours)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a TIME_WAIT left by a past run is no holder
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pins(proj: Project) -> list[tuple[str, str]]:
    """(reference, source) of every pinned image: the lock's when there is
    one, else the config's references (not pinned yet, read as registry)."""
    from devparity import render

    lk = proj.lock
    if lk is not None:
        pins = [(lk.base_ref, lk.base_source)]
        pins += [(str(e.get("ref")), str(e.get("source", "registry"))) for e in lk.services.values()]
        return pins
    return [(render.base_image(proj.config), "registry")] + [(s.image, "registry") for s in proj.config.services]


def _registry_check(ref: str, source: str) -> Check:
    host, port = doctor.registry_host(ref)
    if source == "local":
        return doctor.registry(ref, source, host, None)
    try:
        socket.create_connection((host, port), timeout=REGISTRY_TIMEOUT).close()
        error = None
    except OSError as exc:
        error = exc.strerror or str(exc) or "timed out"
    return doctor.registry(ref, source, f"{host}:{port}", error)


def _host_probe(cfg: Config) -> HostProbe:
    from devparity.drift.gather import HostProbe

    return HostProbe(cfg.language)


def _host_check(cfg: Config, probe: HostProbe) -> Check:
    from devparity.drift.findings import Skipped
    from devparity.runtimes.plugin import same_release

    found = probe.result()
    runtime = runtimes.RUNTIMES.get(cfg.language)
    managers = runtime.version_managers if runtime else "asdf, mise"
    if isinstance(found, Skipped):
        return doctor.host_runtime(cfg.language, cfg.version, None, found.reason, False, managers)
    return doctor.host_runtime(cfg.language, cfg.version, found, None, same_release(cfg.version, found), managers)


_MARKS = {doctor.OK: ("ok", "green"), doctor.WARNING: ("warn", "yellow"), doctor.PROBLEM: ("FAIL", "red"), doctor.SKIPPED: ("skip", "dim")}


def _print(checks: list[Check], proj: Project | None) -> None:
    if proj is None:
        ui.out("no devparity.toml here or above: engine checks only (run doctor in a project for the rest)")
    else:
        ui.out(f"project {proj.config.name} ({proj.config.root})")
    for c in checks:
        mark, color = _MARKS[c.status]
        ui.out(f"{ui.style(f'{mark:<4}', color, stream=sys.stdout)}  {c.name:<12} {c.detail}")
        if c.fix and c.status != doctor.OK:
            ui.out(f"{'':<4}  {'':<12} fix: {c.fix}")
    problems = sum(c.status == doctor.PROBLEM for c in checks)
    warnings = sum(c.status == doctor.WARNING for c in checks)
    if problems:
        ui.out(f"not ready: {problems} problem(s), {warnings} warning(s)")
    else:
        ui.out(f"ready{f' ({warnings} warning(s))' if warnings else ''}")
