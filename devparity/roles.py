"""What the dev and prod containers look like: pure functions from a Config
and an image id to a ContainerSpec (issue 3). Nothing here talks to the
engine; ``devparity.engine.containers`` applies a spec.

Dev and prod run the same image. Dev is a runtime overlay: the project
bind-mounted over the workdir, the host user's UID:GID with a writable HOME,
``[dev]`` env and command, and the supervisor script wrapping the command so
a reload restarts the app process rather than the container.

Both run hardened (issue 7): no process may gain privileges (setuid binaries,
file capabilities) with ``no-new-privileges``, and prod drops every
capability but those ``[app].cap_add`` lists. Dev keeps the engine's default
set: it runs as the host user, and debugging tools there may need one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devparity import identity, labels, runtimes
from devparity.config import Config
from devparity.dev import supervisor
from devparity.errors import UsageError
from devparity.engine.specs import NO_NEW_PRIVILEGES, ContainerSpec, Mount, PortBinding, SyncSource, is_loopback

if TYPE_CHECKING:
    from devparity.builder import ImageResult
    from devparity.project import Project

# The spec types live next to the BuildRequest they mirror (devparity.engine.specs).
__all__ = [
    "DEV",
    "Component",
    "component_name",
    "network_for",
    "network_name",
    "resolve_component",
    "DEV_HOME",
    "PROD",
    "ROLES",
    "SUPERVISOR_PATH",
    "NO_NEW_PRIVILEGES",
    "ContainerSpec",
    "Mount",
    "PortBinding",
    "argv",
    "dev_spec",
    "is_loopback",
    "labels_for",
    "name_for",
    "prod_spec",
    "roles_for",
    "spec_for",
]

DEV, PROD = "dev", "prod"
ROLES = (DEV, PROD)
SUPERVISOR_PATH = "/.devparity/supervise.sh"
# A tmpfs any UID can write, so a host UID without an /etc/passwd entry in the
# image still gets a working HOME (package manager caches, shell history, ...).
DEV_HOME = "/tmp/devparity-home"


def name_for(config: Config, role: str) -> str:
    """``<project>-<role>-<checkout>``: two clones with one [project].name run
    side by side on one engine without a name clash."""
    return f"{config.name}-{role}-{identity.short(identity.checkout_id(config.root))}"


def component_name(config: Config, role: str, component: str) -> str:
    """A service's or process's container (issue 8): ``<project>-<role>-<component>-<checkout>``.
    It is also the stem of its volumes' names and, for the role's network,
    :func:`network_name` is the app's container name."""
    return f"{config.name}-{role}-{component}-{identity.short(identity.checkout_id(config.root))}"


def network_name(config: Config, role: str) -> str:
    """The network of one role's app, processes and services (issue 8): each
    role its own, so dev's `db` and prod's `db` are two hosts of one name."""
    return name_for(config, role)


def network_for(config: Config, role: str) -> str | None:
    """The network a role's containers join: the role's own when the project
    has services or processes (they and the app reach each other by name),
    else none (the engine's default bridge, as before issue 8)."""
    return network_name(config, role) if config.services or config.processes else None


def labels_for(config: Config, role: str, inputs_hash: str) -> dict[str, str]:
    """The labels of a spec; the created-token is added at create time
    (devparity.identity.stamp), so a spec stays a pure value."""
    return labels.container(config.name, config.root, config.path, role=role, inputs=inputs_hash)


def argv(command: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """A config command as an argv; a string runs through /bin/sh -c, as the
    image's CMD does (devparity.render)."""
    if isinstance(command, str):
        return ("/bin/sh", "-c", command)
    return tuple(command)


def _ports(mapping: dict[int, int], host_ip: str) -> tuple[PortBinding, ...]:
    return tuple(PortBinding(c, host_ip, h) for c, h in sorted(mapping.items()))


def dev_spec(
    config: Config,
    image_id: str,
    *,
    inputs_hash: str,
    uid: int,
    gid: int,
    supervisor: str,
    watching: bool = True,
    hide: tuple[str, ...] = (),
    sync: SyncSource | None = None,
) -> ContainerSpec:
    """The dev container. ``supervisor`` is the host path of supervise.sh;
    ``watching`` says whether a watching ``up`` will send reloads (then an
    app exit waits for the next one) or not (``--detach``: the container
    exits with the app); ``hide``: project dirs to cover with an empty
    tmpfs (the runtime plugin's ``shadowed`` dirs the host has); ``sync``:
    the project and supervisor are copied in, not mounted (issue 9)."""
    env = {**config.env, "HOME": DEV_HOME, **config.dev_env}
    env["DEVPARITY_RELOAD"] = config.reload
    env["DEVPARITY_ON_EXIT"] = "wait" if watching else "exit"
    runtime = runtimes.get(config.language)
    build = runtime.dev_build(config)
    if build:
        env["DEVPARITY_BUILD"] = build  # the supervisor runs it before each (re)start
    name = name_for(config, DEV)
    # named volumes (build caches): a source that is not a path is a volume name
    volumes = tuple(Mount(f"{name}-{v.key}", v.target) for v in runtime.dev_volumes(config))
    return ContainerSpec(
        name=name,
        role=DEV,
        image=image_id,
        command=("/bin/sh", SUPERVISOR_PATH, *argv(config.dev_command)),
        env=env,
        user=f"{uid}:{gid}",
        mounts=volumes if sync else (
            Mount(str(config.root), config.workdir),
            Mount(supervisor, SUPERVISOR_PATH, read_only=True),
            *volumes,
        ),
        ports=_ports(config.dev_ports, config.dev_host),
        labels=labels_for(config, DEV, inputs_hash),
        working_dir=config.workdir,
        tmpfs={DEV_HOME: "rw,exec,mode=1777", **{f"{config.workdir}/{d}": "rw,mode=1777" for d in hide}},
        network=network_for(config, DEV),
        sync=sync,
    )


def prod_spec(config: Config, image_id: str, *, inputs_hash: str) -> ContainerSpec:
    """The prod container: the same image, its baked-in source, prod command
    and env, the image's non-root user, its own host ports, no capabilities
    but ``[app].cap_add`` (an app on a port above 1024 needs none)."""
    return ContainerSpec(
        name=name_for(config, PROD),
        role=PROD,
        image=image_id,
        command=argv(config.command),
        env=dict(config.env),
        user=None,
        mounts=(),
        ports=_ports(config.prod_ports, config.prod_host),
        labels=labels_for(config, PROD, inputs_hash),
        working_dir=config.workdir,
        cap_drop=("ALL",),
        cap_add=tuple(config.cap_add),
        network=network_for(config, PROD),
    )


@dataclass(frozen=True)
class Component:
    """One container of a role, as ``logs``, ``exec`` and ``status`` name it:
    the app (``kind`` app, ``name`` app), a service or a process (issue 8)."""

    role: str
    kind: str
    name: str

    def label(self) -> str:
        """How messages name it: ``dev``, ``dev/db``."""
        return self.role if self.kind == labels.APP else f"{self.role}/{self.name}"


def resolve_component(word: str, config: Config) -> Component:
    """A CLI word as a component: ``dev``/``prod`` (the app), ``NAME`` (dev's
    service or process of that name) or ``ROLE/NAME``. Raises UsageError
    naming what exists."""
    role, _, name = word.rpartition("/") if "/" in word else ("", "", word)
    if not role and name in ROLES:
        return Component(name, labels.APP, labels.APP)
    role = role or DEV
    if role not in ROLES:
        raise UsageError(f"unknown role in `{identity.printable(word)}`", hint="use dev/NAME or prod/NAME")
    if name == labels.APP:
        return Component(role, labels.APP, labels.APP)
    kinds = {s.name: labels.SERVICE for s in config.services} | {p.name: labels.PROCESS for p in config.processes}
    if name not in kinds:
        names = ", ".join(["dev", "prod", *kinds]) if kinds else "dev, prod"
        raise UsageError(f"`{identity.printable(word)}` is no role, service or process of {config.name}", hint=f"one of: {names}")
    return Component(role, kinds[name], name)


def roles_for(requested: str) -> tuple[str, ...]:
    """``up``'s argument (dev, prod, all) as the roles to run."""
    return ROLES if requested == "all" else (requested,)


def spec_for(role: str, project: Project, image_result: ImageResult, *, watching: bool = True) -> ContainerSpec:
    """The spec of ``role`` for ``project`` running ``image_result``'s image,
    as ``up`` and the dev session start it. Side effects: reads the host's
    UID/GID, which project dirs exist (the runtime's shadowed dirs), and finds the
    supervisor script (a copy in the cache for a zipped install)."""
    config = project.config
    if role == DEV:
        from devparity.dev import sync

        owner = labels_for(config, DEV, image_result.plan.inputs.hash)
        synced = sync.mode(config, image_result.id, owner) == sync.SYNC
        return dev_spec(
            config,
            image_result.id,
            inputs_hash=image_result.plan.inputs.hash,
            uid=os.getuid(),
            gid=os.getgid(),
            supervisor=str(supervisor.host_path()),
            watching=watching,
            hide=() if synced else tuple(d for d in runtimes.get(config.language).shadowed if (config.root / d).is_dir()),
            sync=SyncSource(str(config.root), (os.getuid(), os.getgid()), config.build_include, config.dev_ignore) if synced else None,
        )
    return prod_spec(config, image_result.id, inputs_hash=image_result.plan.inputs.hash)
