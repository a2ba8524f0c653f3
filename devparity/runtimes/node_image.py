"""Node in an image: its version and the npm packages installed, read from
files only (node_version.h, node_modules manifests; the dpkg or apk record
of a distro Node). Every package manager's tree is read: npm's and Yarn's
flat node_modules and pnpm's store under node_modules/.pnpm."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from devparity.drift.parsers import upstream_version
from devparity.runtimes.plugin import Found, ImageFiles

DEPS = "/opt/deps"
NPM_ROOTS = (f"{DEPS}/node_modules", "/usr/local/lib/node_modules", "/usr/lib/node_modules", "/usr/share/nodejs")
VERSION_HEADERS = ("/usr/local/include/node/node_version.h", "/usr/include/node/node_version.h")


def fingerprint(image: ImageFiles, system: Mapping[str, str]) -> Found:
    npm: dict[str, str] = {}
    for root in NPM_ROOTS:
        for _rel, manifest in image.walk(root, is_npm_manifest):
            parsed = parse_package_json(manifest)
            if parsed:
                npm.setdefault(*parsed)
    version = None
    for header in VERSION_HEADERS:
        data = image.read_file(header)
        if data is not None:
            version = parse_node_version_h(data.decode("utf-8", errors="replace"))
            break
    if not version and "nodejs" in system:
        version = upstream_version(system["nodejs"])
    return Found(version, {"npm": npm} if npm else {})


def parse_node_version_h(text: str) -> str | None:
    """``X.Y.Z`` from node's include/node/node_version.h."""
    parts = {k: re.search(rf"#define\s+NODE_{k}_VERSION\s+(\d+)", text) for k in ("MAJOR", "MINOR", "PATCH")}
    if not all(parts.values()):
        return None
    return ".".join(m.group(1) for m in parts.values() if m)


def parse_package_json(data: bytes) -> tuple[str, str] | None:
    """(name, version) from a package.json, None if unreadable or incomplete."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    name, version = doc.get("name"), doc.get("version")
    if isinstance(name, str) and isinstance(version, str) and name and version:
        return name, version
    return None


def is_npm_manifest(rel: str) -> bool:
    """True for ``name/package.json`` or ``@scope/name/package.json``, and
    the same inside pnpm's store (``.pnpm/<id>/node_modules/name/...``);
    other nested node_modules never match."""
    parts = rel.split("/")
    if parts[-1] != "package.json":
        return False
    if parts[0] == ".pnpm" and len(parts) >= 5 and parts[2] == "node_modules":
        parts = parts[3:]
    scoped = parts[0].startswith("@")
    return (len(parts) == 2 and not scoped and not parts[0].startswith(".")) or (len(parts) == 3 and scoped)
