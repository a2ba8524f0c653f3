"""`check`'s facts about backing services (issue 8), gathered through the
engine seam of devparity.drift.gather: each locked registry pin against its
tag now, and each running service container of this checkout read through
the archive API (never exec), with the image it runs, its lock pin and the
version its data directory reports (devparity.drift.service_versions).
Both return None when the project has no services (their rules are then
not listed).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from devparity import secrets
from devparity.config_services import Service
from devparity.drift import service_versions
from devparity.drift.findings import ServiceContainer, ServicePin, ServiceVersion, Skipped
from devparity.engine.models import ContainerInfo
from devparity.errors import DevparityError, RegistryError
from devparity.imageref import pinned

if TYPE_CHECKING:
    from devparity.config import Config
    from devparity.drift.gather import LockFacts

DISTRUSTED = Skipped("devparity.lock was edited by hand")


class ServiceEngine(Protocol):
    """What these steps ask of the engine besides ``gather.Engine``'s."""

    def registry_digest(self, ref: str) -> str: ...
    def fingerprint_image(self, image_id: str, *, project: str, salt: str) -> dict[str, Any]: ...
    def fingerprint_container(self, cid: str, *, project: str, salt: str) -> dict[str, Any]: ...
    def list_image_tree(self, image_id: str, *, project: str, path: str) -> list[str]: ...
    def running_services(self, config: Config) -> list[ContainerInfo]: ...
    def image_id(self, ref: str) -> str | None: ...
    def read_container_file(self, cid: str, path: str) -> bytes | None: ...


def _applies(cfg: Config, lf: LockFacts) -> bool:
    return bool(cfg.services) or bool(lf.lock and lf.lock.services)


def pin_facts(eng: ServiceEngine, cfg: Config, lf: LockFacts, *, offline: bool) -> tuple[ServicePin, ...] | Skipped | None:
    """Each service the lock pins in a registry (for the image the config
    still names) against its tag's digest now."""
    if not _applies(cfg, lf):
        return None
    if lf.edited:
        return DISTRUSTED
    if lf.lock is None:
        return Skipped("there is no devparity.lock")
    if offline:
        return Skipped("--offline")
    pins = lf.lock.services
    wanted = [(s, pins[s.name]) for s in cfg.services if s.name in pins and pins[s.name]["ref"] == s.image]
    registry = [(s, e) for s, e in wanted if e["source"] == "registry"]
    if not registry:
        return Skipped("no service image is pinned in a registry (local-only pins have none to compare with)")
    out = []
    for s, entry in registry:
        try:
            out.append(ServicePin(s.name, s.image, str(entry["digest"]), eng.registry_digest(s.image)))
        except RegistryError as exc:
            why = exc.message.partition(" in its registry: ")[2] or exc.message
            out.append(ServicePin(s.name, s.image, str(entry["digest"]), None, " ".join(why.split())[:300]))
    return tuple(out)


def container_facts(eng: ServiceEngine, cfg: Config, lf: LockFacts) -> tuple[ServiceContainer, ...] | Skipped | None:
    """This checkout's running service containers of a configured service.
    Side effects: reads each one's changes and files, its image's on a cache
    miss, and its data directory's version file."""
    if not _applies(cfg, lf):
        return None
    if lf.edited:
        return DISTRUSTED
    services = {s.name: s for s in cfg.services}
    running = [c for c in eng.running_services(cfg) if c.component in services]

    def facts(c: ContainerInfo) -> ServiceContainer:
        return _container(eng, cfg, lf, c, services[c.component])

    if len(running) < 2:
        return tuple(facts(c) for c in running)
    with ThreadPoolExecutor(max_workers=min(len(running), 4)) as pool:
        return tuple(pool.map(facts, running))


def _container(eng: ServiceEngine, cfg: Config, lf: LockFacts, c: ContainerInfo, service: Service) -> ServiceContainer:
    fp = eng.fingerprint_container(c.id, project=cfg.name, salt=lf.salt)
    image_fp = eng.fingerprint_image(str(fp["image_id"]), project=cfg.name, salt=lf.salt)
    return ServiceContainer(
        role=c.role or "",
        service=service.name,
        name=c.name,
        fingerprint=fp,
        image=image_fp,
        declared_env=secrets.mask_env(service.env, lf.salt),
        data=service.data,
        locked_image=_locked_image(eng, lf, service),
        version=_version(eng, cfg, c, service, image_fp, fp),
    )


def _locked_image(eng: ServiceEngine, lf: LockFacts, service: Service) -> str | None:
    """The image id of the service's lock pin on this engine; None when the
    lock pins another image (stale: the lock rule says so) or the engine
    does not hold it."""
    entry = lf.lock.services.get(service.name) if lf.lock else None
    if entry is None or entry["ref"] != service.image or lf.stale:
        return None
    if entry["source"] != "registry":
        return str(entry["digest"])
    return eng.image_id(pinned(service.image, str(entry["digest"])))


def _version(
    eng: ServiceEngine, cfg: Config, c: ContainerInfo, service: Service, image_fp: Mapping[str, Any], fp: Mapping[str, Any]
) -> ServiceVersion | None:
    """The first version reader that recognises the image: its server
    version, and the one in the data directory's version file."""
    env = (fp.get("config") or {}).get("env") or {}
    for reader in service_versions.READERS:
        image = reader.image_version(image_fp, {})
        if image is None and reader.image_dirs:
            trees = {}
            for d in reader.image_dirs:
                try:
                    trees[d] = eng.list_image_tree(str(image_fp["image_id"]), project=cfg.name, path=d)
                except DevparityError:
                    trees[d] = []
            image = reader.image_version(image_fp, trees)
        if image is None:
            continue
        data_dir = service.data or reader.data_dir(env)
        if not data_dir:
            return None
        path = service_versions.data_path(reader, data_dir)
        try:
            raw = eng.read_container_file(c.id, path)
        except DevparityError:
            raw = None
        return ServiceVersion(reader.server, data_dir, path, reader.data_version(raw) if raw else None, image)
    return None
