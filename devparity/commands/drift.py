"""`devparity snapshot` and `devparity diff`: fingerprint any environment,
and diff any two (exit 0 identical, 1 different)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from devparity import ui
from devparity.cache import atomic_write_text, canonical_json
from devparity.drift import diff as drift_diff
from devparity.drift import fingerprint, targets
from devparity.errors import EXIT_DRIFT, EXIT_OK, UsageError

DIFF_FORMATS = ("text", "json")


SNAPSHOT_FORMATS = ("json", "cyclonedx")


def snapshot(
    target: str,
    *,
    output: Path | None = None,
    config_path: Path | None = None,
    fmt: str = "json",
    sbom_timestamp: bool = False,
) -> int:
    """``fmt`` json (devparity's fingerprint) or cyclonedx (an SBOM of
    it, reproducible unless ``sbom_timestamp`` adds the time and a random serial)."""
    if fmt not in SNAPSHOT_FORMATS:
        raise UsageError(f"snapshot --format must be one of {', '.join(SNAPSHOT_FORMATS)}")
    if sbom_timestamp and fmt == "json":
        raise UsageError("--sbom-timestamp applies to an SBOM", hint="add --format cyclonedx")
    fp = targets.Resolver(config_path).resolve(target)
    if fmt == "json":
        if output is None:
            ui.out(canonical_json(fp).rstrip("\n"))
        else:
            fingerprint.save_snapshot(fp, output)
            ui.ok(f"wrote the fingerprint of {target} to {output}")
        return EXIT_OK
    text = sbom_text(fp, fmt, timestamp=datetime.datetime.now(datetime.timezone.utc) if sbom_timestamp else None)
    if output is None:
        ui.out(text.rstrip("\n"))
    else:
        atomic_write_text(output, text)
        ui.ok(f"wrote the {fmt} SBOM of {target} to {output}")
    return EXIT_OK


def sbom_text(fp: dict[str, Any], fmt: str, *, timestamp: datetime.datetime | None) -> str:
    from devparity.sbom import cyclonedx  # the library loads in ~0.2 s: only when asked

    return cyclonedx.dumps(fp, timestamp=timestamp, serial=timestamp is not None)


# What an SBOM records of an environment (devparity.sbom): a diff against
# one compares these only, since it knows no config, changes or mounts.
SBOM_FIELDS = ("os", "runtimes", "packages")


def _sbom_view(fp: dict[str, Any]) -> dict[str, Any]:
    """What an SBOM can hold of ``fp``: its and its services' OS, runtimes
    and packages (and the services' image ids)."""
    view: dict[str, Any] = {k: fp.get(k) for k in SBOM_FIELDS}
    services = fp.get("services")
    if isinstance(services, dict) and services:
        view["services"] = {
            name: {
                "image_id": entry.get("image_id"),
                "fingerprint": {k: (entry.get("fingerprint") or {}).get(k) for k in SBOM_FIELDS},
            }
            for name, entry in services.items()
            if isinstance(entry, dict)
        }
    return view


def comparable_pair(a: dict[str, Any], b: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fingerprints as the diff should see them: ``base`` only when both sides
    know it (an image's own fingerprint leaves it None; the lock records it);
    only the packages, runtimes and OS when either side is an SBOM."""
    if a.get("sbom") or b.get("sbom"):
        return _sbom_view(a), _sbom_view(b)
    if a.get("base") and b.get("base"):
        return a, b
    return {k: v for k, v in a.items() if k != "base"}, {k: v for k, v in b.items() if k != "base"}


def diff(a: str, b: str, *, fmt: str = "text", config_path: Path | None = None) -> int:
    if fmt not in DIFF_FORMATS:
        raise UsageError(f"diff --format must be one of {', '.join(DIFF_FORMATS)}, got {fmt!r}")

    resolver = targets.Resolver(config_path)
    fa, fb = comparable_pair(resolver.resolve(a), resolver.resolve(b))
    changes = drift_diff.diff(fa, fb)
    if fmt == "json":
        doc = {**drift_diff.changes_to_json(changes), "a": a, "b": b, "identical": not changes}
        ui.out(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        ui.out(drift_diff.render_text(changes, a, b).rstrip("\n"))
    return EXIT_DRIFT if changes else EXIT_OK
