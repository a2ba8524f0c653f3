"""The ``devparity.toml`` schema, its loader and its validation.

Validation happens before anything touches the engine. Every error is one
finished sentence naming the file, the key path and, where it can be found,
the line.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devparity.errors import ConfigError

CONFIG_NAME = "devparity.toml"
LANGUAGES = ("python", "node")
RELOAD_RE = re.compile(r"^(restart|none|signal:[A-Z0-9]+)$")
# prod's host ports default to container port + this, so dev and prod run side by side.
PROD_PORT_OFFSET = 1000

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
    },
    "prod": {"ports": PORT_MAP, "host": STR},
    "check": {"allow": ALLOW},
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
    """Walk up from ``start`` to the nearest directory holding devparity.toml."""
    start = start.resolve()
    for d in (start, *start.parents):
        if (d / CONFIG_NAME).is_file():
            return d / CONFIG_NAME
    raise ConfigError(
        f"no {CONFIG_NAME} in {start} or any parent directory",
        hint="run `devparity init` in the project root",
    )


def load(path: Path) -> Config:
    """Read, parse and validate a config file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse(text, path)


def parse(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    _check_keys(data, text, path)
    return _build(data, text, path)


def _line_of(text: str, section: str | None, key: str) -> int | None:
    """Best-effort line number of ``key`` (inside ``[section]``) for messages."""
    lines = text.splitlines()
    in_section = section is None
    key_re = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]").strip()
            in_section = section is None or name == section
            if section is None and name == key:
                return i
            continue
        if in_section and key_re.match(line):
            return i
    return None


def _where(path: Path, text: str, section: str | None, key: str) -> str:
    line = _line_of(text, section, key)
    return f"{path}:{line}" if line else str(path)


def _check_keys(data: dict[str, Any], text: str, path: Path) -> None:
    for section, body in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{_where(path, text, None, section)}: unknown section [{section}]{_suggest(section, SCHEMA)}")
        if not isinstance(body, dict):
            raise ConfigError(f"{_where(path, text, None, section)}: `{section}` must be a table ([{section}])")
        for key in body:
            if key not in SCHEMA[section]:
                raise ConfigError(
                    f"{_where(path, text, section, key)}: unknown key `{section}.{key}`{_suggest(key, SCHEMA[section])}"
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
        got = type(value).__name__
        raise ConfigError(f"{_where(path, text, section, key)}: `{section}.{key}` must be {kind}, got {got} {value!r}")
    return value


def _conforms(value: Any, kind: str) -> bool:
    def strs(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == LIST_STR:
        return strs(value)
    if kind == LIST_INT:
        return isinstance(value, list) and all(isinstance(x, int) and not isinstance(x, bool) and 0 < x < 65536 for x in value)
    if kind == DICT_STR:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == COMMAND:
        return (isinstance(value, str) and value.strip() != "") or (strs(value) and len(value) > 0)
    if kind == PORT_MAP:
        return isinstance(value, dict) and all(
            k.isdigit() and isinstance(v, int) and not isinstance(v, bool) and 0 < v < 65536 for k, v in value.items()
        )
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

    def fail(section: str, key: str, msg: str) -> ConfigError:
        return ConfigError(f"{_where(path, text, section, key)}: `{section}.{key}` {msg}")

    name = get("project", "name") or root.name
    if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", name):
        raise fail("project", "name", f"must be letters, digits, '.', '_' or '-', got {name!r}")
    language = get("runtime", "language")
    if language is None:
        raise ConfigError(f"{path}: `runtime.language` is required (one of {', '.join(LANGUAGES)})")
    if language not in LANGUAGES:
        raise fail("runtime", "language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}")
    version = get("runtime", "version")
    if not version:
        raise ConfigError(f"{path}: `runtime.version` is required (for example \"3.11\")")
    if not re.fullmatch(r"\d+(\.\d+){0,2}", version):
        raise fail("runtime", "version", f"must be a version like \"3.11\" or \"18\", got {version!r}")
    command = get("app", "command")
    if command is None:
        raise ConfigError(f"{path}: `app.command` is required (the prod command, for example [\"python\", \"app.py\"])")
    workdir = get("app", "workdir", "/app")
    if not workdir.startswith("/") or workdir.rstrip("/") == "":
        raise fail("app", "workdir", f"must be an absolute path other than /, got {workdir!r}")
    reload = get("dev", "reload", "restart")
    if not RELOAD_RE.match(reload):
        raise fail("dev", "reload", f"must be \"restart\", \"none\" or \"signal:NAME\" (e.g. signal:HUP), got {reload!r}")
    debounce = get("dev", "debounce_ms", 50)
    if not 0 <= debounce <= 10_000:
        raise fail("dev", "debounce_ms", f"must be between 0 and 10000, got {debounce}")
    ports = tuple(get("app", "ports", []))
    dep_files = tuple(get("dependencies", "files", []))
    for f in dep_files:
        if Path(f).is_absolute() or ".." in Path(f).parts:
            raise fail("dependencies", "files", f"must be paths inside the project, got {f!r}")
    dev_ports = {int(k): v for k, v in get("dev", "ports", {}).items()}
    prod_ports = {int(k): v for k, v in get("prod", "ports", {}).items()}
    return Config(
        root=root,
        name=name,
        language=language,
        version=version,
        base_image=get("runtime", "base_image"),
        system_packages=tuple(get("runtime", "system_packages", [])),
        dep_files=dep_files,
        install=get("dependencies", "install"),
        build_network=get("build", "network", "host") or None,
        build_args=dict(get("build", "args", {})),
        build_include=tuple(get("build", "include", [])),
        workdir=workdir.rstrip("/"),
        command=command,
        ports=ports,
        env=dict(get("app", "env", {})),
        user=get("app", "user", "app"),
        cap_add=tuple(get("app", "cap_add", [])),
        dev_command=get("dev", "command", command),
        dev_env=dict(get("dev", "env", {})),
        reload=reload,
        dev_ignore=tuple(get("dev", "ignore", [])),
        debounce_ms=debounce,
        dev_ports={p: dev_ports.get(p, p) for p in ports},
        dev_host=get("dev", "host", "127.0.0.1"),
        prod_ports={p: prod_ports.get(p, p + PROD_PORT_OFFSET) for p in ports},
        prod_host=get("prod", "host", "127.0.0.1"),
        allow=tuple(AllowRule(a["rule"], a["name"], a.get("reason", "")) for a in get("check", "allow", [])),
        raw=data,
    )
