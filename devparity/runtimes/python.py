"""Python: versions from .python-version, runtime.txt, .tool-versions, mise,
pyproject's requires-python and Pipfile; dependencies in a venv at /opt/venv
so the dev bind mount over the workdir cannot hide them."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devparity import toml
from devparity.runtimes import python_image
from devparity.runtimes.plugin import (
    Defaults,
    Ecosystem,
    Found,
    ImageFiles,
    VersionHint,
    clean_version,
    first_line,
    mise_version,
    read_text,
    tool_versions,
)
from devparity.runtimes.python_image import VENV

if TYPE_CHECKING:
    from devparity.config import Config

PIP = Ecosystem("pip", trees=("*/site-packages/*", "*/dist-packages/*", f"{VENV}/bin/*"), pin=lambda n, v: f"{n}=={v}", purl="pypi")


class PythonRuntime(Defaults):
    name: str = "python"
    template: str = "python.Dockerfile"
    default_port: int = 8000
    image_dirs: tuple[str, ...] = (VENV,)
    generated_dirs: tuple[str, ...] = ("__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache")
    ecosystems: tuple[Ecosystem, ...] = (PIP,)
    host_commands: tuple[tuple[str, ...], ...] = (("python3", "--version"), ("python", "--version"))
    version_managers: str = "pyenv, uv, asdf, mise"
    markers: tuple[str, ...] = ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py", ".python-version", "runtime.txt", "uv.lock")
    known_versions: tuple[str, ...] = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

    def version_hints(self, root: Path) -> list[VersionHint]:
        hints: list[VersionHint] = []
        for source, raw in (
            (".python-version", first_line(root / ".python-version")),
            ("runtime.txt", first_line(root / "runtime.txt")),
            (".tool-versions", tool_versions(root, ("python",))),
            ("mise.toml", mise_version(root, ("python",))),
        ):
            if v := clean_version(raw):
                hints.append(VersionHint(source, exact=v))
        pyproject = _toml(root / "pyproject.toml")
        spec = _table(pyproject.get("project")).get("requires-python")
        if isinstance(spec, str) and spec.strip():
            hints.append(VersionHint("pyproject.toml", spec=spec.strip()))
        pipfile = _toml(root / "Pipfile")
        requires = _table(pipfile.get("requires"))
        if v := clean_version(str(requires.get("python_full_version") or requires.get("python_version") or "")):
            hints.append(VersionHint("Pipfile", exact=v))
        return hints

    def satisfies(self, version: str, spec: str) -> bool:
        # Imported here: packaging's specifiers cost ~6 ms of start-up and
        # only `init` compares versions, while every command loads the
        # runtime registry (the config's language list).
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            specs = SpecifierSet(spec)
        except InvalidSpecifier:
            return True  # unreadable ranges do not block; the exact pin wins
        # "3.11" satisfies ">=3.11" and also "==3.11.*"; compare as 3.11.0-ish
        # but accept any patch release of that minor.
        candidates = [version] if version.count(".") >= 2 else [f"{version}.0", f"{version}.99"]
        return any(specs.contains(c, prereleases=True) for c in candidates)

    def dependency_files(self, root: Path) -> list[str]:
        files = sorted(p.name for p in root.glob("requirements*.txt") if p.is_file())
        if files:
            # requirements.txt first; dev/test variants are not installed by default
            main = [f for f in files if f == "requirements.txt"]
            return main or files[:1]
        if (root / "pyproject.toml").is_file():
            locks = [f for f in ("uv.lock", "poetry.lock") if (root / f).is_file()]
            return ["pyproject.toml", *locks]
        if (root / "Pipfile").is_file():
            return ["Pipfile", *(["Pipfile.lock"] if (root / "Pipfile.lock").is_file() else [])]
        return []

    def default_base_image(self, version: str) -> str:
        return f"python:{'.'.join(version.split('.')[:2])}-slim"

    def default_install(self, config: Config) -> str:
        dep_files = config.dep_files
        reqs = [f for f in dep_files if f.endswith(".txt")]
        if reqs:
            # file names reach a shell: quoted, so `x.txt;echo X;.txt` stays a name
            return "pip install --no-cache-dir " + " ".join(f"-r {shlex.quote(f)}" for f in reqs)
        if "uv.lock" in dep_files:
            return f"pip install --no-cache-dir uv && UV_PROJECT_ENVIRONMENT={VENV} uv sync --frozen --no-install-project --no-dev"
        if "poetry.lock" in dep_files:
            return "pip install --no-cache-dir poetry && poetry config virtualenvs.create false && poetry install --no-root --only main"
        if "Pipfile" in dep_files:
            return "pip install --no-cache-dir pipenv && pipenv install --system --deploy"
        if "pyproject.toml" in dep_files:
            # Install the declared dependencies only: the source is not there yet.
            return (
                "python -c \"import tomllib,subprocess,sys; d=tomllib.load(open('pyproject.toml','rb'))"
                ".get('project',{}).get('dependencies',[]); d and subprocess.check_call([sys.executable,'-m','pip',"
                "'install','--no-cache-dir',*d])\""
            )
        return "true"

    def default_command(self, root: Path) -> list[str]:
        for candidate in ("app.py", "main.py", "server.py", "manage.py"):
            if (root / candidate).is_file():
                return ["python", candidate] + (["runserver", "0.0.0.0:8000"] if candidate == "manage.py" else [])
        return ["python", "-m", re.sub(r"\W", "_", root.name)]

    def template_context(self, config: Config) -> dict[str, str]:
        return {"venv": VENV}

    def fingerprint(self, image: ImageFiles, system: Mapping[str, str]) -> Found:
        return python_image.fingerprint(image, system)


def _table(value: object) -> dict[str, Any]:
    """A hand-written file's table, or {} when it has another shape."""
    return value if isinstance(value, dict) else {}


def _toml(path: Path) -> dict[str, Any]:
    text = read_text(path)
    if text is None:
        return {}
    try:
        return toml.loads(text)
    except (toml.TOMLDecodeError, RecursionError):
        return {}
