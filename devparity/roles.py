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

import ipaddress
from dataclasses import dataclass, field

from devparity import engine, identity, runtimes
from devparity.config import Config

DEV, PROD = "dev", "prod"
ROLES = (DEV, PROD)
SUPERVISOR_PATH = "/.devparity/supervise.sh"
# A tmpfs any UID can write, so a host UID without an /etc/passwd entry in the
# image still gets a working HOME (package manager caches, shell history, ...).
DEV_HOME = "/tmp/devparity-home"
NO_NEW_PRIVILEGES = "no-new-privileges"


@dataclass(frozen=True)
class Mount:
    source: str  # host path
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class PortBinding:
    container: int
    host_ip: str
    host_port: int

    def url(self) -> str:
        host = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"http://{host}:{self.host_port}"

    def describe(self) -> str:
        return f"{self.host_ip}:{self.host_port}->{self.container}"


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    role: str
    image: str
    command: tuple[str, ...]
    env: dict[str, str]
    user: str | None  # None: the image's own (non-root) user
    mounts: tuple[Mount, ...]
    ports: tuple[PortBinding, ...]
    labels: dict[str, str]
    working_dir: str
    init: bool = True  # docker's init as PID 1: SIGTERM stops the container fast
    tmpfs: dict[str, str] = field(default_factory=dict)
    security_opt: tuple[str, ...] = (NO_NEW_PRIVILEGES,)
    cap_drop: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()

    def open_to_network(self) -> bool:
        """Whether a published port listens beyond this machine."""
        return any(not is_loopback(p.host_ip) for p in self.ports)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: whatever it resolves to, assume the network
        return False


def name_for(config: Config, role: str) -> str:
    """``<project>-<role>-<checkout>``: two clones with one [project].name run
    side by side on one engine without a name clash."""
    return f"{config.name}-{role}-{identity.short(identity.checkout_id(config.root))}"


def labels_for(config: Config, role: str, inputs_hash: str) -> dict[str, str]:
    """The labels of a spec; the created-token is added at create time
    (devparity.identity.stamp), so a spec stays a pure value."""
    return {
        engine.LABEL_PROJECT: config.name,
        engine.LABEL_CHECKOUT: identity.checkout_id(config.root),
        engine.LABEL_ROLE: role,
        engine.LABEL_INPUTS: inputs_hash,
        engine.LABEL_CONFIG: str(config.path),
    }


def argv(command: list[str] | str) -> tuple[str, ...]:
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
) -> ContainerSpec:
    """The dev container. ``supervisor`` is the host path of supervise.sh;
    ``watching`` says whether a watching ``up`` will send reloads (then an
    app exit waits for the next one) or not (``--detach``: the container
    exits with the app); ``hide``: project dirs to cover with an empty
    tmpfs (the runtime plugin's ``shadowed`` dirs the host has)."""
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
        mounts=(
            Mount(str(config.root), config.workdir),
            Mount(supervisor, SUPERVISOR_PATH, read_only=True),
            *volumes,
        ),
        ports=_ports(config.dev_ports, config.dev_host),
        labels=labels_for(config, DEV, inputs_hash),
        working_dir=config.workdir,
        tmpfs={DEV_HOME: "rw,exec,mode=1777", **{f"{config.workdir}/{d}": "rw,mode=1777" for d in hide}},
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
    )


def roles_for(requested: str) -> tuple[str, ...]:
    """``up``'s argument (dev, prod, all) as the roles to run."""
    return ROLES if requested == "all" else (requested,)
