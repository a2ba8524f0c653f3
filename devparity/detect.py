"""Runtime detection: which language, which version (and which file said so),
which dependency files. Pure: reads the project's files, touches no engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devparity import runtimes
from devparity.errors import DetectionError
from devparity.runtimes.plugin import Runtime, VersionHint, same_release


@dataclass(frozen=True)
class Detection:
    language: str
    version: str
    source: str  # the file (or flag) whose version won
    hints: tuple[VersionHint, ...]
    dep_files: tuple[str, ...]
    command: list[str]
    notes: tuple[str, ...] = field(default=())


def detect_language(root: Path, forced: str | None = None) -> Runtime:
    if forced:
        if forced not in runtimes.RUNTIMES:
            raise DetectionError(f"unknown language {forced!r}; supported: {', '.join(runtimes.RUNTIMES)}")
        return runtimes.get(forced)
    found = [r for r in runtimes.RUNTIMES.values() if any((root / m).exists() for m in r.markers)]
    if not found:
        markers = ", ".join(m for r in runtimes.RUNTIMES.values() for m in r.markers[:3])
        raise DetectionError(
            f"{root}: no runtime detected (looked for {markers})",
            hint=f"pass --language {'|'.join(runtimes.RUNTIMES)}",
        )
    if len(found) > 1:
        names = " and ".join(r.name for r in found)
        raise DetectionError(f"{root}: files for both {names} found", hint="pass --language to choose one")
    return found[0]


def resolve_version(runtime: Runtime, hints: list[VersionHint], forced: str | None = None) -> tuple[str, str, list[str]]:
    """(version, winning source, notes). Raises DetectionError on disagreement
    unless ``forced`` settles it."""
    notes: list[str] = []
    if forced:
        for h in hints:
            if (h.exact and not same_release(h.exact, forced)) or (h.spec and not runtime.satisfies(forced, h.spec)):
                notes.append(f"--version {forced} overrides {h.describe()}")
        return forced, "--version", notes
    exacts = [h for h in hints if h.exact]
    specs = [h for h in hints if h.spec]
    if exacts:
        winner = exacts[0]
        version = winner.exact or ""
        for other in exacts[1:]:
            if not same_release(version, other.exact or ""):
                raise _conflict(winner, other)
        for other in specs:
            if not runtime.satisfies(version, other.spec or ""):
                raise _conflict(winner, other)
        return version, winner.source, notes
    if specs:
        fitting = [v for v in runtime.known_versions if all(runtime.satisfies(v, h.spec or "") for h in specs)]
        if not fitting:
            raise DetectionError(
                f"no known {runtime.name} release satisfies {' and '.join(h.describe() for h in specs)}",
                hint="pass --version",
            )
        notes.append(f"{fitting[0]} is the oldest {runtime.name} release {specs[0].source} allows")
        return fitting[0], specs[0].source, notes
    default = runtime.known_versions[-3]
    notes.append(f"no version file found; defaulting to {runtime.name} {default} (pin it with --version)")
    return default, "default", notes


def _conflict(a: VersionHint, b: VersionHint) -> DetectionError:
    return DetectionError(
        f"version sources disagree: {a.describe()}, {b.describe()}",
        hint="fix one of them, or pass --version to settle it",
    )


def detect(root: Path, *, language: str | None = None, version: str | None = None) -> Detection:
    runtime = detect_language(root, language)
    hints = runtime.version_hints(root)
    chosen, source, notes = resolve_version(runtime, hints, version)
    return Detection(
        language=runtime.name,
        version=chosen,
        source=source,
        hints=tuple(hints),
        dep_files=tuple(runtime.dependency_files(root)),
        command=runtime.default_command(root),
        notes=tuple(notes),
    )
