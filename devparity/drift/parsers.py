"""Pure parsers of the files a fingerprint is read from: text in, plain data out.

Nothing here touches the engine or the disk, so each is unit-tested on small
captured fixtures (tests/drift/test_fingerprint_parsers.py).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable


def parse_os_release(text: str) -> dict[str, str | None]:
    """``id``, ``version_id`` and ``pretty_name`` from an os-release file."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            parts = shlex.split(raw)  # values follow shell quoting rules
        except ValueError:
            parts = [raw.strip("\"'")]
        fields[key.strip()] = parts[0] if parts else ""
    return {"id": fields.get("ID"), "version_id": fields.get("VERSION_ID"), "pretty_name": fields.get("PRETTY_NAME")}


def _stanzas(text: str) -> Iterable[dict[str, str]]:
    """RFC822-style blocks separated by blank lines; continuation lines ignored."""
    block: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if block:
                yield block
            block = {}
        elif not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            block.setdefault(key.strip(), value.strip())
    if block:
        yield block


def parse_dpkg_status(text: str) -> dict[str, str]:
    """{package: version} of packages whose Status is ``install ok installed``."""
    out: dict[str, str] = {}
    for s in _stanzas(text):
        if s.get("Status") == "install ok installed" and "Package" in s and "Version" in s:
            out[s["Package"]] = s["Version"]
    return out


def parse_apk_installed(text: str) -> dict[str, str]:
    """{package: version} from Alpine's /lib/apk/db/installed (``P:``/``V:`` lines)."""
    out: dict[str, str] = {}
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if line[1:2] == ":")
        if "P" in fields and "V" in fields:
            out[fields["P"]] = fields["V"]
    return out


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_metadata(text: str) -> tuple[str, str] | None:
    """(normalised name, version) from a METADATA or PKG-INFO file's headers."""
    name = version = None
    for line in text.splitlines():
        if not line.strip():
            break  # headers end at the first blank line; the body is the README
        if line.startswith("Name:") and name is None:
            name = line[5:].strip()
        elif line.startswith("Version:") and version is None:
            version = line[8:].strip()
    return (normalize_name(name), version) if name and version else None


def parse_pyvenv_cfg(text: str) -> str | None:
    """Python version from pyvenv.cfg: ``version`` (venv) or ``version_info`` (virtualenv)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    raw = values.get("version") or values.get("version_info")
    if not raw:
        return None
    m = re.match(r"(\d+\.\d+(?:\.\d+)?)", raw)
    return m.group(1) if m else None


def parse_node_version_h(text: str) -> str | None:
    """``X.Y.Z`` from node's include/node/node_version.h."""
    parts = {k: re.search(rf"#define\s+NODE_{k}_VERSION\s+(\d+)", text) for k in ("MAJOR", "MINOR", "PATCH")}
    if not all(parts.values()):
        return None
    return ".".join(m.group(1) for m in parts.values() if m)


def parse_patchlevel_h(text: str) -> str | None:
    """``PY_VERSION`` from CPython's include/pythonX.Y/patchlevel.h."""
    m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', text)
    return m.group(1) if m else None


def upstream_version(version: str) -> str:
    """Debian/Alpine package version to the upstream one:
    ``1:18.19.0+dfsg-1~deb12u1`` -> ``18.19.0``, ``3.11.6-r0`` -> ``3.11.6``."""
    v = version.split(":", 1)[1] if re.match(r"^\d+:", version) else version
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    return re.split(r"[+~]", v, maxsplit=1)[0]


def parse_package_json(data: bytes) -> tuple[str, str] | None:
    """(name, version) from a package.json, None if unreadable or incomplete."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    name, version = doc.get("name"), doc.get("version")
    if isinstance(name, str) and isinstance(version, str) and name and version:
        return name, version
    return None


_SITE_DIRS = ("site-packages", "dist-packages")


def is_pip_metadata(root: str, rel: str) -> bool:
    """True for ``<site dir>/X.dist-info/METADATA`` or ``<site dir>/X.egg-info/PKG-INFO``
    (``rel`` relative to the scanned ``root``).

    Requiring the parent to be a site dir skips distributions vendored inside
    other packages (setuptools/_vendor/*.dist-info).
    """
    parts = rel.split("/")
    if len(parts) < 2 or not (
        (parts[-1] == "METADATA" and parts[-2].endswith(".dist-info"))
        or (parts[-1] == "PKG-INFO" and parts[-2].endswith(".egg-info"))
    ):
        return False
    parent = parts[-3] if len(parts) >= 3 else root.rstrip("/").rsplit("/", 1)[-1]
    return parent in _SITE_DIRS


def is_npm_manifest(rel: str) -> bool:
    """True for ``name/package.json`` or ``@scope/name/package.json``; nested node_modules never match."""
    parts = rel.split("/")
    if parts[-1] != "package.json":
        return False
    scoped = parts[0].startswith("@")
    return (len(parts) == 2 and not scoped) or (len(parts) == 3 and scoped)
