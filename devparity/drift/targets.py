"""What `snapshot` and `diff` accept as an environment, resolved to a fingerprint.

A TARGET is, in this order: ``dev`` or ``prod`` (this project's running
app container of that role, with a ``services`` section listing each running
service's image and fingerprint), ``lock`` (the fingerprint in
devparity.lock, with its service pins' fingerprints), a process or service
of the project (``worker`` is dev's, ``prod/worker``; issue 8), an existing
snapshot file (or a CycloneDX JSON SBOM, issue 11), or a local image reference (``./dev`` names a file called
dev).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devparity import identity, labels, lock, roles, secrets
from devparity import project as project_mod
from devparity.config_services import NAME
from devparity.drift import fingerprint
from devparity.engine.models import EPOCH
from devparity.sbom import read as sbom_read
from devparity.errors import ContainerNotFound, DevparityError, ImageNotFound, UsageError
from devparity.roles import Component

if TYPE_CHECKING:
    from devparity.config import Config
    from devparity.engine.models import ContainerInfo
    from devparity.project import Project

ROLES = ("dev", "prod")
KEYWORDS = (*ROLES, "lock")


def running_containers(config: Config) -> list[ContainerInfo]:
    """This checkout's running dev and prod containers, by role, oldest
    first (devparity.identity.scan: another checkout's or another tool's
    containers are never compared)."""
    found = [c for c in identity.scan(config).ours if c.running and c.role in ROLES and c.kind != labels.SERVICE]
    return sorted(found, key=lambda c: (ROLES.index(c.role or ""), c.created or EPOCH))


def running_services(config: Config) -> list[ContainerInfo]:
    """This checkout's running service containers (issue 8), by role and name."""
    found = [c for c in identity.scan(config).ours if c.running and c.role in ROLES and c.kind == labels.SERVICE]
    return sorted(found, key=lambda c: (ROLES.index(c.role or ""), c.component, c.created or EPOCH))


class Resolver:
    """Resolves targets, loading the project (config and lock) at most once."""

    def __init__(self, config_path: Path | None = None) -> None:
        self._config_path = config_path
        self._project: Project | None = None

    def project(self) -> Project:
        if self._project is None:
            self._project = project_mod.load(config_path=self._config_path)
        return self._project

    def salt(self) -> str:
        """The salt masks are keyed with: the project's lock's when there is
        one (so `diff lock prod` compares masks), else the per-user salt."""
        try:
            current = self.project().lock
        except DevparityError:  # no project here: an image or two snapshot files
            current = None
        return secrets.salt_of(current)

    def resolve(self, target: str) -> dict[str, Any]:
        """The fingerprint of ``target``.

        Side effects: for dev/prod and image references, reads files through
        the engine (see devparity.drift.fingerprint); images are cached.
        """
        if target in ROLES:
            return self._container(Component(target, labels.APP, labels.APP))
        if target == "lock":
            return self._lock()
        component = self._component(target)
        if component is not None:
            return self._container(component)
        path_like = target.endswith(".json") or target.startswith(("./", "../", "/"))
        if Path(target).is_file() or (path_like and os.path.lexists(target)):
            # a FIFO or directory is named as such (exit 2); a hand-edited file is masked again
            data = fingerprint.read_json(target)
            if sbom_read.is_cyclonedx(data):  # a CycloneDX SBOM (issue 11): its packages
                return sbom_read.to_fingerprint(data, target)
            return fingerprint.masked(fingerprint.checked_snapshot(data, target), self.salt())
        if path_like:
            raise UsageError(f"snapshot file {target} does not exist")
        try:
            return fingerprint.fingerprint_image(target, salt=self.salt())
        except ImageNotFound:
            raise UsageError(
                f"{target!r} is not dev, prod, lock, a snapshot file, or an image on this engine",
                hint="pass a process or service of the project (NAME, prod/NAME), an image reference that "
                "`docker images` lists, or a file written by `devparity snapshot`",
            ) from None

    def _component(self, target: str) -> Component | None:
        """A process or service of the project (``worker``, ``prod/worker``),
        or None: a word the project does not name is read as a file or image."""
        role, slash, word = target.partition("/")
        name = word if slash else role
        if (slash and role not in ROLES) or not NAME.fullmatch(name):
            return None
        try:
            config = self.project().config
        except DevparityError:  # no project here: an image reference
            return None
        if name not in {p.name for p in config.processes} | {s.name for s in config.services}:
            return None
        return roles.resolve_component(target, config)

    def _container(self, component: Component) -> dict[str, Any]:
        name, role = self.project().config.name, component.role
        cfg = self.project().config
        running = running_services(cfg) if component.kind == labels.SERVICE else running_containers(cfg)
        found = [c for c in running if c.role == role and c.kind == component.kind and c.component == component.name]
        if not found:
            raise ContainerNotFound(
                f"no {component.label()} container of project {name} is running in this checkout",
                hint=f"start one: `devparity up {role} --detach`",
            )
        fp = fingerprint.fingerprint_container(found[-1].id, project=name, salt=self.salt())
        if component.kind == labels.APP:
            services = self._services(role)
            return {**fp, "services": services} if services else fp
        # which of the project's containers it is (diff does not compare it)
        return {**fp, "component": component.label()}

    def _services(self, role: str) -> dict[str, Any]:
        """Each running service of ``role``: its image id and fingerprint (issue 8)."""
        cfg = self.project().config
        if not cfg.services:
            return {}
        out: dict[str, Any] = {}
        for c in running_services(cfg):
            if c.role == role:
                fp = fingerprint.fingerprint_container(c.id, project=cfg.name, salt=self.salt())
                out[c.component] = {"image_id": fp.get("image_id"), "fingerprint": fp}
        return out

    def _lock(self) -> dict[str, Any]:
        p = self.project()
        if p.lock is None:
            raise UsageError(f"{p.config.root / 'devparity.lock'} does not exist", hint="run `devparity lock`")
        if not p.lock.fingerprint:
            raise UsageError(
                "devparity.lock records no fingerprint (an older devparity wrote it)", hint="run `devparity lock`"
            )

        edited = lock.disagreements(p.config, p.lock)
        if edited:  # a hand-edited fingerprint is not the environment the team locked
            raise lock.edited(edited)

        fp = {"schema": fingerprint.SCHEMA, **p.lock.fingerprint, "kind": "image", "ref": "devparity.lock"}
        services = {
            name: {"image_id": e["digest"] if e["source"] == "local" else None, "fingerprint": e["fingerprint"]}
            for name, e in p.lock.services.items()
        }
        if services:
            fp["services"] = services
        return fingerprint.masked(fp, self.salt())
