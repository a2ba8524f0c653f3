"""`devparity init`: write devparity.toml (and .dockerignore) from the project's files."""

from __future__ import annotations

import json
from pathlib import Path

from devparity import detect, ui
from devparity.cache import atomic_write_text
from devparity.config import CONFIG_NAME, parse
from devparity.errors import UsageError

DEFAULT_PORTS = {"python": 8000, "node": 3000}

DOCKERIGNORE = """\
# Written by devparity init: keeps secrets, VCS data and local environments
# out of the image. Edit freely.
.git
.gitignore
.env
.env.*
*.pem
*.key
id_rsa*
id_ed25519*
id_ecdsa*
id_dsa*
.venv
venv
node_modules
__pycache__
*.pyc
.pytest_cache
.mypy_cache
devparity.lock
"""


def render_config(root: Path, d: detect.Detection, port: int | None) -> str:
    port = port or DEFAULT_PORTS[d.language]
    q = json.dumps
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
env = {{ APP_ENV = "development" }}
reload = "restart"

[check]
allow = []
"""


def _project_name(root: Path) -> str:
    import re

    name = re.sub(r"[^a-zA-Z0-9_.-]+", "-", root.name).strip("-._") or "app"
    return name


def init(root: Path, *, language: str | None, version: str | None, port: int | None, force: bool) -> int:
    target = root / CONFIG_NAME
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
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
    return 0
