"""Render a project's Dockerfile from its runtime's template. Pure."""

from __future__ import annotations

import hashlib
import json
import string
from importlib import resources
from pathlib import Path

from devparity import runtimes
from devparity.config import Config
from devparity.imageref import pinned

APP_UID = 10001  # the prod image's non-root user


def templates_dir() -> Path:
    """Templates ship inside the wheel as devparity/templates; in a source
    checkout they are the top-level templates/ directory."""
    packaged = resources.files("devparity").joinpath("templates")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "templates"


def template_text(language: str) -> str:
    return (templates_dir() / runtimes.get(language).template).read_text(encoding="utf-8")


def template_hash(language: str) -> str:
    return "sha256:" + hashlib.sha256(template_text(language).encode()).hexdigest()


def base_image(config: Config) -> str:
    return config.base_image or runtimes.get(config.language).default_base_image(config.version)


def from_reference(config: Config, digest: str | None) -> str:
    """``image@sha256:...`` when the lock pins a registry digest, else the tag."""
    ref = base_image(config)
    return pinned(ref, digest) if digest else ref


def render(config: Config, *, digest: str | None = None) -> str:
    runtime = runtimes.get(config.language)
    install = config.install or runtime.default_install(config.dep_files)
    context = {
        "base": from_reference(config, digest),
        "system_packages": _system_packages(config.system_packages),
        "workdir": config.workdir,
        "build_args": "\n".join(f"ARG {k}" for k in sorted(config.build_args)),
        "copy_deps": f"COPY {' '.join(json.dumps(f) for f in config.dep_files)} ./" if config.dep_files else "",
        "install": install,
        "uid": str(APP_UID),
        "user": config.user,
        "env": _env(config.env),
        "expose": "EXPOSE " + " ".join(str(p) for p in config.ports) if config.ports else "",
        "command": _command(config.command),
        **runtime.template_context(config.dep_files),
    }
    text = string.Template(template_text(config.language)).substitute(context)
    # Empty placeholders leave blank lines; keep the output tidy.
    lines = text.splitlines()
    tidy = [line for i, line in enumerate(lines) if line.strip() or (i and lines[i - 1].strip())]
    return "\n".join(tidy).rstrip() + "\n"


def _system_packages(packages: tuple[str, ...]) -> str:
    if not packages:
        return ""
    return (
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(sorted(packages))
        + " && rm -rf /var/lib/apt/lists/*"
    )


def _env(env: dict[str, str]) -> str:
    if not env:
        return ""
    return "ENV " + " \\\n    ".join(f"{k}={json.dumps(v)}" for k, v in sorted(env.items()))


def _command(command: list[str] | str) -> str:
    if isinstance(command, str):
        return json.dumps(["/bin/sh", "-c", command])
    return json.dumps(command)
