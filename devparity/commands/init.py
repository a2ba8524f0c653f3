"""`devparity init`: write devparity.toml (and .dockerignore) from the project's files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from devparity import detect, runtimes, ui, validate
from devparity.cache import atomic_write_text
from devparity.config import CONFIG_NAME, parse
from devparity.config_ports import PORT_MAX, PORT_MIN, PROD_PORT_OFFSET
from devparity.errors import EXIT_OK, UsageError
from devparity.excludes import dockerignore_text


DOCKERIGNORE = dockerignore_text()  # the list build applies anyway (devparity.excludes)


def render_config(root: Path, d: detect.Detection, port: int | None) -> str:
    port = runtimes.get(d.language).default_port if port is None else port
    dev_command = runtimes.get(d.language).default_dev_command(root)
    dev_line = f"command = {json.dumps(dev_command)}\n" if dev_command else ""
    q = json.dumps
    # prod's default host port (port + 1000) must exist too; near the top of
    # the range, map prod below the port instead.
    prod = "" if port + PROD_PORT_OFFSET <= PORT_MAX else f'\n[prod]\nports = {{ "{port}" = {port - PROD_PORT_OFFSET} }}\n'
    return f"""\
# devparity.toml, written by `devparity init`. Commit it with devparity.lock.
# Every key is documented in devparity.toml.example.

[project]
name = {q(_project_name(root))}

[runtime]
language = {q(d.language)}
version = {q(d.version)}  # from {d.source}

[dependencies]
files = {q(list(d.dep_files))}

[app]
command = {q(d.command)}
ports = [{port}]
env = {{ APP_ENV = "production" }}

[dev]
{dev_line}env = {{ APP_ENV = "development" }}
reload = "restart"
{prod}
[check]
allow = []
"""


def _project_name(root: Path) -> str:
    return root.name if validate.project_name(root.name) is None else validate.suggest_project_name(root.name)


def _check_writable(root: Path) -> None:
    """Fail before any output when the directory cannot take the new files."""
    try:
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write in {root}: {exc.strerror or exc}", hint="run init in a writable project directory") from None


def init(root: Path, *, language: str | None, version: str | None, port: int | None, force: bool) -> int:
    if port is not None and not PORT_MIN <= port <= PORT_MAX:
        raise UsageError(f"--port must be between {PORT_MIN} and {PORT_MAX}")
    target = root / CONFIG_NAME
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
    _check_writable(root)
    d = detect.detect(root, language=language, version=version)
    for hint in d.hints:
        mark = "→" if hint.source == d.source else " "
        ui.info(f" {mark} {hint.describe()}")
    for n in d.notes:
        ui.note(n)
    ui.ok(f"{d.language} {d.version} (from {d.source})")
    ui.info(f"   dependency files: {', '.join(d.dep_files) or 'none found'}")
    text = render_config(root, d, port)
    parse(text, target)  # what we write must load
    atomic_write_text(target, text)
    ui.ok(f"wrote {target}")
    ignore = root / ".dockerignore"
    if not ignore.exists():
        atomic_write_text(ignore, DOCKERIGNORE)
        ui.ok(f"wrote {ignore}")
    ui.note("next: `devparity lock` pins the base image; `devparity up` starts the dev container")
    return EXIT_OK
