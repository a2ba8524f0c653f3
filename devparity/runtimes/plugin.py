"""What a runtime plugin provides. Adding a runtime is adding a module that
implements ``Runtime`` and a template, and registering it in ``__init__``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class VersionHint:
    """One file's word on the runtime version.

    ``exact`` is a concrete version ("3.11", "18.19.0"); ``spec`` is a range
    ("">=3.12", "^18"). A hint carries one or the other.
    """

    source: str  # file name, relative to the project root
    exact: str | None = None
    spec: str | None = None

    def describe(self) -> str:
        return f"{self.source} says {self.exact or self.spec}"


class Runtime(Protocol):
    name: str
    template: str  # file name under templates/
    # Files whose presence says the project uses this runtime.
    markers: tuple[str, ...]
    # Concrete versions a range is resolved against, oldest first.
    known_versions: tuple[str, ...]

    def version_hints(self, root: Path) -> list[VersionHint]: ...

    def satisfies(self, version: str, spec: str) -> bool: ...

    def dependency_files(self, root: Path) -> list[str]: ...

    def default_base_image(self, version: str) -> str: ...

    def default_install(self, dep_files: tuple[str, ...]) -> str: ...

    def default_command(self, root: Path) -> list[str]: ...

    def template_context(self, dep_files: tuple[str, ...]) -> dict[str, str]: ...


def read_text(path: Path) -> str | None:
    """A version hint file's text, or None when it is absent or unusable: a
    hint is advisory, but a FIFO or device must not hang detection."""
    from devparity import files
    from devparity.errors import ConfigError

    try:
        return files.read_text(path)
    except ConfigError:
        return None


def first_line(path: Path) -> str | None:
    text = read_text(path)
    if text is None:
        return None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return line
    return None


def tool_versions(root: Path, tool_names: tuple[str, ...]) -> str | None:
    """The version asdf's ``.tool-versions`` pins for one of ``tool_names``."""
    text = read_text(root / ".tool-versions")
    for line in (text or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] in tool_names:
            return parts[1]
    return None


def mise_version(root: Path, tool_names: tuple[str, ...]) -> str | None:
    import tomllib

    for name in ("mise.toml", ".mise.toml"):
        text = read_text(root / name)
        if text is None:
            continue
        try:
            tools = tomllib.loads(text).get("tools", {})
        except (tomllib.TOMLDecodeError, RecursionError):
            return None
        if not isinstance(tools, dict):
            return None
        for tool in tool_names:
            value = tools.get(tool)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get("version")
            if isinstance(value, (str, int, float)):
                return str(value)
    return None


_VERSION = re.compile(r"^v?(\d+(?:\.\d+){0,2})")


def clean_version(raw: str | None) -> str | None:
    """'v18.19.0' -> '18.19.0', 'python-3.11.4' -> '3.11.4', 'lts/*' -> None."""
    if not raw:
        return None
    raw = raw.strip().removeprefix("python-").removeprefix("cpython-")
    m = _VERSION.match(raw)
    return m.group(1) if m else None


def same_release(a: str, b: str) -> bool:
    """'3.11' and '3.11.7' name the same release; '3.11' and '3.12' do not."""
    pa, pb = a.split("."), b.split(".")
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]
