"""The app's own other processes (issue 8, ``[processes.NAME]``): a queue
worker or a scheduler that runs from the app's image with another command.

Pure, like devparity.roles: a process container is its role's app spec with
the process's command, env and name. Deriving it from the app's spec keeps
the two in step by construction: in dev the same bind mount, host user,
supervisor (and so the same reload) and named build caches; in prod the same
hardening (the image's non-root user, no capability but ``[app].cap_add``,
``no-new-privileges``). A process publishes no port.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from devparity import labels
from devparity.config import Config
from devparity.config_services import Process
from devparity.roles import DEV, SUPERVISOR_PATH, Component, ContainerSpec, argv, component_name, spec_for

if TYPE_CHECKING:
    from devparity.builder import ImageResult
    from devparity.project import Project

# The supervisor's settings (devparity/dev/supervisor/supervise.sh): a
# process runs under the same reload as the app, whatever its env says.
SUPERVISOR_ENV = "DEVPARITY_"


def process_spec(config: Config, app: ContainerSpec, process: Process) -> ContainerSpec:
    """``process``'s container beside ``app`` (its role's app spec, as
    devparity.roles makes it): env is the app's (with ``[dev].env`` in dev)
    overlaid by the process's own."""
    ours = {k: v for k, v in app.env.items() if k.startswith(SUPERVISOR_ENV)}
    command = argv(process.command)
    if app.role == DEV:
        command = ("/bin/sh", SUPERVISOR_PATH, *_dev_program(config, process, command))
    return replace(
        app,
        name=component_name(config, app.role, process.name),
        command=command,
        env={**app.env, **process.env, **ours},
        ports=(),
        labels={**app.labels, **labels.component(labels.PROCESS, process.name)},
    )


def _dev_program(config: Config, process: Process, command: tuple[str, ...]) -> tuple[str, ...]:
    """A process that runs the app's own program with other arguments runs,
    in dev, the program ``[dev].command`` runs: a compiled app's dev build
    (the supervisor rebuilds it on a reload) rather than the binary baked
    into the image, which a save never changes. Shell strings are left as
    written."""
    prod, dev = config.command, config.dev_command
    if isinstance(process.command, str) or isinstance(prod, str) or isinstance(dev, str) or not prod or not dev:
        return command
    if command[0] == prod[0] and dev[0] != prod[0]:
        return (dev[0], *command[1:])
    return command


def role_specs(config: Config, app: ContainerSpec) -> list[ContainerSpec]:
    """The app's spec and one per process of ``config``, app first."""
    return [app, *(process_spec(config, app, p) for p in config.processes)]


def specs_for(role: str, project: Project, image_result: ImageResult, *, watching: bool = True) -> list[ContainerSpec]:
    """Every container ``up`` starts for ``role`` from the app's image: the
    app (devparity.roles.spec_for, with its side effects) and its processes."""
    return role_specs(project.config, spec_for(role, project, image_result, watching=watching))


def component_of(spec: ContainerSpec) -> Component:
    """What a spec runs, from its labels (the app when it has none)."""
    kind = spec.labels.get(labels.KIND) or labels.APP
    name = spec.labels.get(labels.COMPONENT) or labels.APP if kind != labels.APP else labels.APP
    return Component(spec.role, kind, name)


def key_of(spec: ContainerSpec) -> str:
    """The dev session's key of a container: ``dev``, ``dev/worker``, ...
    (devparity.roles.Component.label, the word `logs` takes)."""
    return component_of(spec).label()


def who(component: Component) -> str:
    """How messages name a process: ``worker`` in dev (the word `logs`
    takes), ``prod/worker`` in prod; the app as ``the dev app``."""
    if component.kind == labels.APP:
        return f"the {component.role} app"
    return component.name if component.role == DEV else component.label()
