"""Every module outside devparity/engine/ uses the engine's models and
errors, not raw dictionaries (issue 10, finding 3): no engine JSON key is
indexed, no SDK object's ``attrs`` read, no status code or error text
sniffed, and the SDK itself is imported nowhere else."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import devparity
from devparity.engine import containers, images

PACKAGE = Path(devparity.__file__).parent
# The engine's JSON keys (inspect and list documents) that models.py parses.
_KEYS = "Labels|State|Id|Config|Mounts|Image|ImageID|Names|Created|NetworkSettings|RepoDigests|RepoTags|StartedAt|ExitCode|Running|Ports"
# ("Status" is left out: dpkg's status file has a field of that name.)
FORBIDDEN = {
    "an engine JSON key indexed": re.compile(rf"""\[\s*["']({_KEYS})["']\s*\]"""),
    "an engine JSON key read with .get": re.compile(rf"""\.get\(\s*["']({_KEYS})["']"""),
    "raw inspect attrs": re.compile(r"\battrs\s*\[|\.attrs\b"),
    "a status code sniffed": re.compile(r"\bstatus_code\b"),
    "an error's cause sniffed": re.compile(r"__cause__"),
    "an engine message matched": re.compile(r"already allocated|address already in use|no such (image|container)", re.I),
    "the Docker SDK imported": re.compile(r"^\s*(import docker\b|from docker\b)", re.M),
}


@pytest.mark.parametrize(
    "line",
    [  # what the code did before issue 10
        'role, inputs = c["Labels"][LABEL_ROLE], c["Labels"].get(LABEL_INPUTS)',
        'if attrs and attrs["State"].get("Running"):',
        'raw = (attrs.get("State") or {}).get("StartedAt") or ""',
        "if isinstance(exc.__cause__, de.APIError) and exc.__cause__.status_code == 409:",
        'if "already allocated" in text or "address already in use" in text:',
        'if "not found" in str(exc).lower() or "no such image" in str(exc).lower():',
        'image_labels[image_id] = ((attrs or {}).get("Config") or {}).get("Labels") or {}',
        "return dict(client().images.get(target.ref).attrs)",
        "from docker import errors as de",
    ],
)
def test_the_patterns_catch_the_old_code(line: str) -> None:
    assert any(p.search(line) for p in FORBIDDEN.values())


def outside_engine() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "engine" not in p.relative_to(PACKAGE).parts)


def test_the_scan_covers_the_package() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in outside_engine()}
    assert {"identity.py", "commands/check.py", "commands/lifecycle.py", "dev/session.py", "drift/targets.py"} <= names
    assert not any(n.startswith("engine/") for n in names)


@pytest.mark.parametrize("path", outside_engine(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_raw_engine_dictionaries_outside_the_engine(path: Path) -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{n}: {why}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for why, pattern in FORBIDDEN.items()
        if pattern.search(line)
    ]
    assert not found, "use devparity.engine.models / devparity.errors instead:\n" + "\n".join(found)


@pytest.mark.parametrize("module", [containers, images], ids=lambda m: m.__name__)
def test_engine_queries_return_models_not_dicts(module: object) -> None:
    """The engine's public lookups answer with ContainerInfo/ImageInfo."""
    for name, fn in inspect.getmembers(module, inspect.isfunction):
        if fn.__module__ != getattr(module, "__name__", None) or name.startswith("_"):
            continue
        returns = str(inspect.signature(fn).return_annotation)
        assert "dict[str, Any]" not in returns, f"{module.__name__}.{name} returns {returns}"  # type: ignore[attr-defined]
