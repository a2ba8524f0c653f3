"""Python in an image: its version and the pip packages installed, read from
files only (pyvenv.cfg, site-packages METADATA, patchlevel.h; the dpkg or
apk record of a distro Python). Parsers are pure and unit-tested on small
captured fixtures (tests/drift/test_fingerprint_parsers.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from devparity.drift.parsers import normalize_name, upstream_version
from devparity.runtimes.plugin import Found, ImageFiles

VENV = "/opt/venv"
# Site dirs are scanned under these roots; the image's workdir is not, since
# the project's own source is not part of its environment.
PIP_ROOTS = (f"{VENV}/lib", "/usr/local/lib", "/usr/lib/python3/dist-packages")
_SITE_DIRS = ("site-packages", "dist-packages")


def fingerprint(image: ImageFiles, system: Mapping[str, str]) -> Found:
    pip: dict[str, str] = {}
    local_pythons: set[str] = set()
    for root in PIP_ROOTS:

        def wanted(rel: str, root: str = root) -> bool:
            # the /usr/local/lib walk also notes pythonX.Y dirs, the last
            # resort for the Python version, without a second walk
            if root == "/usr/local/lib" and rel.startswith("python") and rel.count("/") <= 1:
                local_pythons.add(rel.split("/")[0])
            return is_pip_metadata(root, rel)

        for _rel, data in image.walk(root, wanted):
            parsed = parse_metadata(data.decode("utf-8", errors="replace"))
            if parsed:
                pip.setdefault(*parsed)  # earlier roots (the venv) win
    version = parse_pyvenv_cfg(_text(image.read_file(f"{VENV}/pyvenv.cfg")))
    if not version and "python3" in system:
        version = upstream_version(system["python3"])
    if not version:
        xy = sorted((d[6:] for d in local_pythons if re.fullmatch(r"python\d+\.\d+", d)), key=_numeric)
        if xy:
            # patchlevel.h gives the micro version when the headers are there
            header = _text(image.read_file(f"/usr/local/include/python{xy[-1]}/patchlevel.h"))
            version = parse_patchlevel_h(header) or xy[-1]
    return Found(version, {"pip": pip} if pip else {})


def _text(data: bytes | None) -> str:
    return "" if data is None else data.decode("utf-8", errors="replace")


def _numeric(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


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


def parse_patchlevel_h(text: str) -> str | None:
    """``PY_VERSION`` from CPython's include/pythonX.Y/patchlevel.h."""
    m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', text)
    return m.group(1) if m else None


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
