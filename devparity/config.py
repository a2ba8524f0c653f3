"""The ``devparity.toml`` schema, its loader and its validation.

Validation happens before anything touches the engine. Every error is one
finished sentence naming the file, the key path and, where it can be found,
the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from devparity import config_ports, config_services, files, runtimes, toml, validate
from devparity.config_ports import PROD_PORT_OFFSET  # noqa: F401 (re-exported)
from devparity.config_services import Process, Service
from devparity.config_text import check_control_chars, describe, where
from devparity.errors import ConfigError

CONFIG_NAME = "devparity.toml"
LANGUAGES = runtimes.names()  # the registry of runtime plugins decides

# Type names used by the schema and in error messages.
STR, INT, LIST_STR, LIST_INT, DICT_STR, COMMAND, PORT_MAP, ALLOW = (
    "a string",
    "an integer",
    "a list of strings",
    "a list of integers",
    "a table of strings",
    "a list of strings or a string",
    "a table of port = port",
    "a list of { rule, name, reason } tables",
)

# section -> key -> expected type. The single source of truth for valid keys.
SCHEMA: dict[str, dict[str, str]] = {
    "project": {"name": STR},
    "runtime": {"language": STR, "version": STR, "base_image": STR, "system_packages": LIST_STR},
    "dependencies": {"files": LIST_STR, "install": STR},
    "build": {"network": STR, "args": DICT_STR, "include": LIST_STR},
    "app": {"workdir": STR, "command": COMMAND, "ports": LIST_INT, "env": DICT_STR, "user": STR, "cap_add": LIST_STR},
    "dev": {
        "command": COMMAND,
        "env": DICT_STR,
        "reload": STR,
        "ignore": LIST_STR,
        "debounce_ms": INT,
        "ports": PORT_MAP,
        "host": STR,
        "source": STR,
    },
    "prod": {"ports": PORT_MAP, "host": STR},
    "check": {"allow": ALLOW, "targets": LIST_STR},
    "release": {"registry": STR},
}


@dataclass(frozen=True)
class AllowRule:
    rule: str
    name: str
    reason: str


@dataclass(frozen=True)
class Config:
    """A validated devparity.toml. ``root`` is the project directory."""

    root: Path
    name: str
    language: str
    version: str
    base_image: str | None
    system_packages: tuple[str, ...]
    dep_files: tuple[str, ...]
    install: str | None
    build_network: str | None
    build_args: dict[str, str]
    # paths opted back into the build context despite the default secret excludes
    build_include: tuple[str, ...]
    workdir: str
    command: list[str] | str
    ports: tuple[int, ...]
    env: dict[str, str]
    user: str
    cap_add: tuple[str, ...]  # capabilities the prod container keeps (it drops all others)
    dev_command: list[str] | str
    dev_env: dict[str, str]
    reload: str
    dev_ignore: tuple[str, ...]
    debounce_ms: int
    dev_ports: dict[int, int]
    dev_host: str
    prod_ports: dict[int, int]
    prod_host: str
    allow: tuple[AllowRule, ...] = field(default=())
    check_targets: tuple[str, ...] = field(default=())  # [check].targets: docker://ENGINE, swarm://SERVICE
    release_registry: str | None = None  # [release].registry: where `devparity push` pushes
    # [dev].source (issue 9): how dev sees the project, a bind mount or a copy
    # synced through the archive API; auto probes the engine (devparity.dev.sync)
    dev_source: str = "auto"
    services: tuple[Service, ...] = field(default=())  # [services.NAME] (devparity.config_services)
    processes: tuple[Process, ...] = field(default=())  # [processes.NAME]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> Path:
        return self.root / CONFIG_NAME

    def image_inputs(self) -> dict[str, Any]:
        """The part of the config that shapes the image (not [dev], [prod], [check])."""
        return {
            "name": self.name,
            "language": self.language,
            "version": self.version,
            "base_image": self.base_image,
            "system_packages": list(self.system_packages),
            "dep_files": list(self.dep_files),
            "install": self.install,
            "build_network": self.build_network,
            "build_args": self.build_args,
            "workdir": self.workdir,
            "command": self.command,
            "ports": list(self.ports),
            "env": self.env,
            "user": self.user,
        }


def find_config(start: Path) -> Path:
    """Walk up from ``start`` to the nearest directory holding devparity.toml.
    Something else by that name (a directory, a FIFO) is an error, not a
    reason to keep walking up to a parent project's config."""
    start = start.resolve()
    for d in (start, *start.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if candidate.exists() or candidate.is_symlink():
            what = "a directory" if candidate.is_dir() else "not a regular file"
            raise ConfigError(f"{candidate} is {what}", hint=f"{CONFIG_NAME} must be a file; rename or remove it")
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any parent directory",
        hint="run `devparity init` in the project root",
    )


def load(path: Path) -> Config:
    """Read, parse and validate a config file."""
    return parse(files.read_text(path), path)


def parse(text: str, path: Path) -> Config:
    try:
        data = toml.loads(text)
        check_control_chars(data, text, path)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except RecursionError:  # tomllib and the walk recurse per nesting level
        raise ConfigError(f"{path}: values are nested too deeply to be a devparity config") from None
    _check_keys(data, text, path)
    config = _build(data, text, path)
    services, processes = config_services.parse(data, text, path)
    _check_service_ports(config, services, text, path)
    return replace(config, services=services, processes=processes)


def _check_service_ports(config: Config, services: tuple[Service, ...], text: str, path: Path) -> None:
    """A service's published host port may clash with no other: the app's
    dev and prod ports and the other services' (all on loopback)."""
    taken = {h: "dev" for h in config.dev_ports.values()} | {h: "prod" for h in config.prod_ports.values()}
    for s in services:
        for host in s.ports.values():
            if host in taken:
                raise ConfigError(
                    f"{where(path, text, f'services.{s.name}', 'ports')}: `services.{s.name}.ports` publishes host port "
                    f"{host}, which {taken[host]} already publishes",
                    hint="give each a host port of its own",
                )
            taken[host] = f"service {s.name}"



def _check_keys(data: dict[str, Any], text: str, path: Path) -> None:
    for section, body in data.items():
        if section in (config_services.SERVICES, config_services.PROCESSES):
            continue  # tables of tables, checked by devparity.config_services
        if section not in SCHEMA:
            raise ConfigError(f"{where(path, text, None, section)}: unknown section [{section}]{_suggest(section, SCHEMA)}")
        if not isinstance(body, dict):
            raise ConfigError(f"{where(path, text, None, section)}: `{section}` must be a table ([{section}])")
        for key in body:
            if key not in SCHEMA[section]:
                raise ConfigError(
                    f"{where(path, text, section, key)}: unknown key `{section}.{key}`{_suggest(key, SCHEMA[section])}"
                )


def _suggest(word: str, options: dict[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else f"; valid: {', '.join(options)}"


def _typed(data: dict[str, Any], text: str, path: Path, section: str, key: str, default: Any) -> Any:
    value = data.get(section, {}).get(key, default)
    if value is default:
        return value
    kind = SCHEMA[section][key]
    if not _conforms(value, kind):
        # The type only, never the value: a wrong-typed [app].env holds secrets.
        raise ConfigError(f"{where(path, text, section, key)}: `{section}.{key}` must be {kind}, got {describe(value, kind, _conforms)}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _conforms(value: Any, kind: str) -> bool:
    def strs(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return _is_int(value)
    if kind == LIST_STR:
        return strs(value)
    if kind == LIST_INT:
        return isinstance(value, list) and all(_is_int(x) for x in value)
    if kind == DICT_STR:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == COMMAND:
        return (isinstance(value, str) and value.strip() != "") or (strs(value) and len(value) > 0)
    if kind == PORT_MAP:
        return isinstance(value, dict) and all(_is_int(v) for v in value.values())
    if kind == ALLOW:
        return isinstance(value, list) and all(
            isinstance(x, dict) and set(x) <= {"rule", "name", "reason"} and all(isinstance(v, str) for v in x.values())
            and "rule" in x and "name" in x
            for x in value
        )
    raise AssertionError(kind)


def _build(data: dict[str, Any], text: str, path: Path) -> Config:
    root = path.parent.resolve()

    def get(section: str, key: str, default: Any = None) -> Any:
        return _typed(data, text, path, section, key, default)

    def fail(section: str, key: str, msg: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{where(path, text, section, key)}: `{section}.{key}` {msg}", hint=hint)

    def checked(section: str, key: str, value: Any, check: Callable[[Any], str | None]) -> Any:
        """``value`` (a string, or each item of a list or each key of a table) passed through ``check``."""
        items = value if isinstance(value, (list, tuple, dict)) else [value]
        for item in items:
            reason = check(item)
            if reason:
                raise fail(section, key, reason)
        return value

    name = get("project", "name")
    if name is None:  # the directory's name, made valid when it is not (a "My App" checkout)
        name = root.name if validate.project_name(root.name) is None else validate.suggest_project_name(root.name)
    checked("project", "name", name, validate.project_name)
    language = get("runtime", "language")
    if language is None:
        raise ConfigError(f"{path}: `runtime.language` is required (one of {', '.join(LANGUAGES)})")
    if language not in LANGUAGES:
        raise fail("runtime", "language", f"must be one of {', '.join(LANGUAGES)}")
    version = get("runtime", "version")
    if not version:
        raise ConfigError(f"{path}: `runtime.version` is required (for example \"3.11\")")
    if not re.fullmatch(r"\d+(\.\d+){0,2}", version):
        raise fail("runtime", "version", 'must be a version like "3.11" or "18"')
    command = get("app", "command")
    if command is None:
        raise ConfigError(f"{path}: `app.command` is required (the prod command, for example [\"./server\", \"--port\", \"8080\"])")
    workdir = checked("app", "workdir", get("app", "workdir", "/app"), validate.workdir)
    reload = checked("dev", "reload", get("dev", "reload", "restart"), validate.reload)
    debounce = get("dev", "debounce_ms", 50)
    source = checked("dev", "source", get("dev", "source", "auto"), validate.dev_source)
    if not 0 <= debounce <= 10_000:
        raise fail("dev", "debounce_ms", "must be between 0 and 10000")
    dep_files = tuple(checked("dependencies", "files", get("dependencies", "files", []),
                              lambda f: validate.project_path(f, dep_file=True)))
    for f in dep_files:
        if (root / f).is_dir():
            raise fail("dependencies", "files", "names a directory; list dependency files")
    install = get("dependencies", "install")
    if install is not None and not install.strip():
        raise fail("dependencies", "install", "is empty; leave it out to use the runtime's default")
    ports = config_ports.resolve(get, fail)
    base_image = get("runtime", "base_image")
    if base_image is not None:
        checked("runtime", "base_image", base_image, validate.image_ref)
    return Config(
        root=root,
        name=name,
        language=language,
        version=version,
        base_image=base_image,
        system_packages=tuple(checked("runtime", "system_packages", get("runtime", "system_packages", []), validate.package)),
        dep_files=dep_files,
        install=install,
        build_network=checked("build", "network", get("build", "network", "host"), validate.network) or None,
        build_args=dict(checked("build", "args", get("build", "args", {}), validate.env_name)),
        build_include=tuple(checked("build", "include", get("build", "include", []), validate.project_path)),
        workdir=str(PurePosixPath(workdir)),
        command=command,
        ports=ports.app,
        env=dict(checked("app", "env", get("app", "env", {}), validate.env_name)),
        user=checked("app", "user", get("app", "user", "app"), validate.user),
        cap_add=tuple(checked("app", "cap_add", get("app", "cap_add", []), validate.capability)),
        dev_command=get("dev", "command", command),
        dev_env=dict(checked("dev", "env", get("dev", "env", {}), validate.env_name)),
        reload=reload,
        dev_ignore=tuple(get("dev", "ignore", [])),
        debounce_ms=debounce,
        dev_ports=ports.dev,
        dev_host=ports.dev_host,
        prod_ports=ports.prod,
        prod_host=ports.prod_host,
        allow=tuple(AllowRule(a["rule"], a["name"], a.get("reason", "")) for a in get("check", "allow", [])),
        check_targets=tuple(checked("check", "targets", get("check", "targets", []), validate.check_target)),
        release_registry=checked("release", "registry", get("release", "registry"), validate.registry)
        if get("release", "registry") is not None
        else None,
        dev_source=source,
        raw=data,
    )
