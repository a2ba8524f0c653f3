"""Render a project's Dockerfile from its runtime's template. Pure."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import string
from importlib import resources
from pathlib import Path

from devparity import runtimes
from devparity.config import Config
from devparity.errors import ConfigError, LockError
from devparity.imageref import is_digest, is_reference, pinned

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


def template_hash(language: str, text: str | None = None) -> str:
    """``text``: the template already read (a plan reads it once)."""
    if text is None:
        text = template_text(language)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def base_image(config: Config) -> str:
    return config.base_image or runtimes.get(config.language).default_base_image(config.version)


def from_reference(config: Config, digest: str | None) -> str:
    """``image@sha256:...`` when the lock pins a registry digest, else the tag."""
    ref = base_image(config)
    return pinned(ref, digest) if digest else ref


def render(config: Config, *, digest: str | None = None, template: str | None = None) -> str:
    """The Dockerfile. Every config value is checked and quoted for the place
    it lands (a builder word, a shell word, JSON); a value that cannot be
    carried faithfully is refused (ConfigError), never written. ``template``:
    the runtime's template text when the caller has read it already."""
    runtime = runtimes.get(config.language)
    install = config.install or runtime.default_install(config)
    _one_line(config, "dependencies.install", install)
    if install.rstrip().endswith("\\"):
        raise _refused(config, "dependencies.install", "ends with a backslash, which would join it to the next Dockerfile line")
    _one_line(config, "app.user", config.user)
    _one_line(config, "app.workdir", config.workdir)
    context = {
        "base": _base(config, digest),
        "system_packages": _system_packages(config),
        "workdir": word(config.workdir),
        "build_args": "\n".join(f"ARG {_name(config, 'build.args', k)}" for k in sorted(config.build_args)),
        "copy_deps": _copy_deps(config),
        "install": install,
        "uid": str(APP_UID),
        "user": word(config.user),
        "user_sh": shlex.quote(config.user),
        "env": _env(config),
        "expose": "EXPOSE " + " ".join(str(p) for p in config.ports) if config.ports else "",
        "command": _command(config.command),
        "runtime_env": _runtime_env(config, runtime.image_env(config)),
        **runtime.template_context(config),
    }
    if template is None:
        template = template_text(config.language)
    text = string.Template(template).substitute(context)
    # Empty placeholders leave blank lines; keep the output tidy. Split on
    # "\n" only: str.splitlines would also break at U+2028 and friends.
    lines = text.split("\n")
    tidy = [line for i, line in enumerate(lines) if line.strip() or (i and lines[i - 1].strip())]
    return "\n".join(tidy).rstrip() + "\n"


# A value made only of these reaches the builder's word processing unchanged.
_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+=,-]+", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# What a Dockerfile line cannot carry: control characters (a tab can) and
# the Unicode line and paragraph separators.
_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def word(value: str) -> str:
    """``value`` as one word for the builder (ENV, WORKDIR, USER, COPY),
    which expands ``$`` and strips quotes and backslashes: single quotes
    keep everything literal, and a single quote is closed, escaped, reopened."""
    if _PLAIN.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


def _refused(config: Config, key: str, why: str) -> ConfigError:
    return ConfigError(f"{config.path}: `{key}` {why}; devparity will not write it into a Dockerfile")


def _one_line(config: Config, key: str, value: str) -> None:
    if _BREAKS.search(value):
        raise _refused(config, key, "holds a newline or control character")


def _name(config: Config, key: str, name: str) -> str:
    if not _NAME.fullmatch(name):
        raise _refused(config, key, "has a name that is not letters, digits and _ (not starting with a digit)")
    return name


def _base(config: Config, digest: str | None) -> str:
    if digest is not None and not is_digest(digest):
        raise LockError("devparity.lock: `base.digest` must be sha256: and 64 lowercase hex digits", hint="regenerate it with `devparity lock`")
    ref = from_reference(config, digest)
    if not is_reference(ref):
        raise _refused(config, "runtime.base_image", "is not an image reference such as \"debian:12-slim\"")
    return ref


def _system_packages(config: Config) -> str:
    if not config.system_packages:
        return ""
    for p in config.system_packages:
        _one_line(config, "runtime.system_packages", p)
    return (
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(shlex.quote(p) for p in sorted(config.system_packages))
        + " && rm -rf /var/lib/apt/lists/*"
    )


def _copy_deps(config: Config) -> str:
    """JSON form; each source still passes the builder's word processing and
    then its glob matching, which has no escape that survives both."""
    if not config.dep_files:
        return ""
    for f in config.dep_files:
        _one_line(config, "dependencies.files", f)
        if any(c in f for c in "*?["):
            raise _refused(config, "dependencies.files", "names a file with *, ? or [ (COPY would read it as a pattern)")
    return "COPY " + json.dumps([*(word(f) for f in config.dep_files), "./"])


def _runtime_env(config: Config, env: dict[str, str]) -> str:
    """The runtime plugin's ENV line (``${runtime_env}`` in its template)."""
    for k, v in env.items():
        _name(config, "runtime env", k)
        _one_line(config, f"runtime env {k}", v)
    return "ENV " + " \\\n    ".join(f"{k}={word(v)}" for k, v in sorted(env.items())) if env else ""


def _env(config: Config) -> str:
    if not config.env:
        return ""
    for k, v in config.env.items():
        _name(config, "app.env", k)
        _one_line(config, f"app.env.{k}", v)
    return "ENV " + " \\\n    ".join(f"{k}={word(v)}" for k, v in sorted(config.env.items()))


def _command(command: list[str] | str) -> str:
    """JSON form (the builder expands nothing in it); json.dumps escapes
    every control character, so the line stays one line."""
    if isinstance(command, str):
        return json.dumps(["/bin/sh", "-c", command])
    return json.dumps(command)
