"""`devparity export compose`: a ``compose.yaml`` of the project (issue 11)
for Docker Compose (Debian's docker-compose 1.29, or the Compose plugin).
Pure: the app's containers come from the dev and prod specs
(devparity.roles), so they mirror `up`.

Profiles ``dev`` and ``prod`` hold a role each: ``docker compose --profile
dev up -d``. As in `up` (issue 8), each role has its own network, on which
its backing services answer by their names, and its own data volumes, so a
dev write never touches prod's data; only dev publishes service ports, on
127.0.0.1. A service's ``ready`` becomes its healthcheck, and the app
starts once its services are healthy.
"""

from __future__ import annotations

from typing import Any

from devparity import roles
from devparity.config import Config
from devparity.config_services import Process, Service
from devparity.engine.specs import ContainerSpec
from devparity.export import MARKER, ImageChoice, app_argv, dev_start_script

FILE = "compose.yaml"
LOOPBACK = "127.0.0.1"
INTERVAL = 2  # seconds between two healthchecks


def listening_test(port: int) -> list[str]:
    """A healthcheck that passes once something listens on ``port`` inside
    the container, read from /proc/net/tcp[6] (state 0A is LISTEN) with
    grep alone, as `up`'s tcp probe reads it: no client in the image needed."""
    pattern = f"^ *[0-9]+: [0-9A-F]+:{port:04X} [0-9A-F]+:[0-9A-F]+ 0A "
    return ["CMD-SHELL", f"grep -qE '{pattern}' /proc/net/tcp /proc/net/tcp6"]


def healthcheck(service: Service) -> dict[str, Any] | None:
    ready = service.ready
    if ready.command:
        test = ["CMD", *ready.command]
    elif ready.tcp is not None:
        test = listening_test(ready.tcp)
    else:
        return None  # ready once it runs
    return {"test": test, "interval": f"{INTERVAL}s", "timeout": "5s", "retries": max(1, ready.timeout // INTERVAL)}


def _key(role: str, name: str) -> str:
    """A compose service's name: the app is ``dev``/``prod``, the rest
    ``NAME-ROLE`` (reached on the role's network by its alias ``NAME``)."""
    return f"{name}-{role}"


def _app(spec: ContainerSpec, role: str, command: list[str], *, depends: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"image": spec.image, "profiles": [role], "command": command}
    if spec.user:
        out["user"] = spec.user
    out["working_dir"] = spec.working_dir
    out["environment"] = {k: v for k, v in spec.env.items() if not k.startswith("DEVPARITY_")}
    volumes: list[Any] = []
    for m in spec.mounts:
        if m.target == roles.SUPERVISOR_PATH:
            continue  # no supervisor: the command starts the app
        if m.source.startswith("/"):
            volumes.append({"type": "bind", "source": ".", "target": m.target})
        else:
            # a build cache volume: compose prefixes its own project name
            volumes.append({"type": "volume", "source": m.source.removeprefix(f"{spec.name}-"), "target": m.target})
    if volumes:
        out["volumes"] = volumes
    if spec.tmpfs:
        out["tmpfs"] = [f"{path}:{opts}" for path, opts in sorted(spec.tmpfs.items())]
    if spec.ports:
        out["ports"] = [f"{p.host_ip}:{p.host_port}:{p.container}" for p in spec.ports]
        out["healthcheck"] = {"test": listening_test(spec.ports[0].container), "interval": f"{INTERVAL}s", "retries": 30}
    out["init"] = spec.init
    out["security_opt"] = list(spec.security_opt)
    if spec.cap_drop:
        out["cap_drop"] = list(spec.cap_drop)
    if spec.cap_add:
        out["cap_add"] = list(spec.cap_add)
    out["networks"] = [role]
    if depends:
        out["depends_on"] = depends
    return out


def _process(app: dict[str, Any], process: Process, role: str) -> dict[str, Any]:
    """A process: the app's container with its own command and env overlay, no ports."""
    out = {k: v for k, v in app.items() if k not in ("ports", "healthcheck")}
    out["command"] = app_argv(process.command if isinstance(process.command, str) else list(process.command))
    out["environment"] = {**app["environment"], **process.env}
    return out


def _service(config: Config, role: str, service: Service, image: str) -> dict[str, Any]:
    out: dict[str, Any] = {"image": image, "profiles": [role]}
    if service.command is not None:
        out["command"] = app_argv(service.command if isinstance(service.command, str) else list(service.command))
    if service.env:
        out["environment"] = dict(service.env)
    if service.data:
        out["volumes"] = [{"type": "volume", "source": f"{_key(role, service.name)}-data", "target": service.data}]
    if role == roles.DEV and service.ports:
        out["ports"] = [f"{LOOPBACK}:{h}:{c}" for c, h in sorted(service.ports.items())]
    check = healthcheck(service)
    if check:
        out["healthcheck"] = check
    out["restart"] = "unless-stopped"
    out["networks"] = {role: {"aliases": [service.name]}}
    return out


def document(
    config: Config, image: ImageChoice, *, uid: int, gid: int, service_images: dict[str, str] | None = None,
    hide: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The compose document: per role, the app, its processes and its
    services; ``service_images``: what each service runs (its lock pin,
    devparity.pin.service_image), by name (default: the config's tag)."""
    images = service_images or {}
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    specs = {
        roles.DEV: roles.dev_spec(config, image.ref, inputs_hash="", uid=uid, gid=gid, supervisor="", watching=False, hide=hide),
        roles.PROD: roles.prod_spec(config, image.ref, inputs_hash=""),
    }
    for role, spec in specs.items():
        depends = {
            _key(role, s.name): {"condition": "service_healthy" if healthcheck(s) else "service_started"}
            for s in config.services
        }
        command = ["/bin/sh", "-c", dev_start_script(config)] if role == roles.DEV else app_argv(config.command)
        app = _app(spec, role, command, depends=depends)
        services[role] = app
        for process in config.processes:
            services[_key(role, process.name)] = _process(app, process, role)
        for service in config.services:
            services[_key(role, service.name)] = _service(config, role, service, images.get(service.name, service.image))
            if service.data:
                volumes[f"{_key(role, service.name)}-data"] = {}
        for v in app.get("volumes", []):
            if v["type"] == "volume":
                volumes[v["source"]] = {}
    doc: dict[str, Any] = {"services": services, "networks": {roles.DEV: {}, roles.PROD: {}}}
    if volumes:
        doc["volumes"] = dict(sorted(volumes.items()))
    escaped: dict[str, Any] = literal(doc)
    return escaped


def literal(value: Any) -> Any:
    """Every string with ``$`` written ``$$``: Compose interpolates ``$VAR``
    in every value, and an env value or command is meant as written (as
    devparity passes it to the engine)."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


def header(config: Config, image: ImageChoice) -> str:
    return "\n".join([
        f"# {MARKER} compose: {config.name}'s dev and prod as `devparity up` runs them.",
        "# Re-run `devparity export compose` after `devparity lock`; edits here are overwritten.",
        "#   docker compose --profile dev up -d      (or docker-compose 1.28+)",
        "#   docker compose --profile prod up -d",
        f"# image: {image.note()}",
    ]) + "\n"
