"""SBOMs of fingerprints (issue 11): a fingerprint's OS packages, runtimes
and each runtime's packages as package URLs (github.com/package-url/purl-spec),
so a scanner that reads CycloneDX sees what devparity pinned. Pure.

The OS ecosystems are named here (dpkg -> ``deb``, apk -> ``apk``, the
vendor from os-release); a runtime's ecosystem says its own type
(``Ecosystem.purl``: pypi, npm, golang). Reading an SBOM back maps a purl
type to the ecosystem again, so `devparity diff` compares an SBOM another
tool wrote with a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

from devparity import runtimes

# The OS package databases a fingerprint reads (devparity.drift.sources) and
# their purl types; the namespace is the OS vendor.
OS_TYPES = {"dpkg": "deb", "apk": "apk"}
OS_DEFAULT_VENDOR = {"dpkg": "debian", "apk": "alpine"}
GENERIC = "generic"


@dataclass(frozen=True)
class Package:
    """One package of a fingerprint, with its package URL."""

    ecosystem: str
    name: str
    version: str
    purl: PackageURL


def purl_type(ecosystem: str) -> str:
    if ecosystem in OS_TYPES:
        return OS_TYPES[ecosystem]
    found = runtimes.ecosystems().get(ecosystem)
    return (found.purl if found else None) or GENERIC


def ecosystem_of(purl_type_: str) -> str | None:
    """The fingerprint ecosystem of a purl type (pypi -> pip), or None."""
    for eco, kind in OS_TYPES.items():
        if kind == purl_type_:
            return eco
    for found in runtimes.ecosystems().values():
        if found.purl == purl_type_:
            return found.name
    return None


def _split(kind: str, name: str) -> tuple[str | None, str]:
    """(namespace, name) as the purl type spells them: npm's ``@scope/pkg``,
    a Go module path's last element after its parent path."""
    if kind == "npm" and name.startswith("@") and "/" in name:
        scope, _, rest = name.partition("/")
        return scope, rest
    if kind == "golang" and "/" in name:
        parent, _, last = name.rpartition("/")
        return parent, last
    return None, name


def package_url(ecosystem: str, name: str, version: str, os_info: Mapping[str, Any] | None = None) -> PackageURL:
    kind = purl_type(ecosystem)
    if ecosystem in OS_TYPES:
        os_info = os_info or {}
        vendor = str(os_info.get("id") or OS_DEFAULT_VENDOR[ecosystem])
        qualifiers = {"distro": f"{vendor}-{os_info['version_id']}"} if os_info.get("version_id") else None
        return PackageURL(kind, vendor, name, version or None, qualifiers)
    if kind == GENERIC:
        return PackageURL(GENERIC, ecosystem, name, version or None)
    namespace, short = _split(kind, name)
    return PackageURL(kind, namespace, short, version or None)


def runtime_url(name: str, version: str) -> PackageURL:
    """A runtime (python 3.11.9) has no registry of its own: pkg:generic."""
    return PackageURL(GENERIC, None, name, version or None)


def packages(fp: Mapping[str, Any]) -> list[Package]:
    """Every package of a fingerprint, sorted by ecosystem and name."""
    os_info = fp.get("os") if isinstance(fp.get("os"), Mapping) else None
    out: list[Package] = []
    for ecosystem, listed in sorted((fp.get("packages") or {}).items()):
        for name, version in sorted((listed or {}).items()):
            out.append(Package(ecosystem, name, version or "", package_url(ecosystem, name, version or "", os_info)))
    return out


def name_from_purl(purl: PackageURL) -> str:
    """The package's name as its ecosystem writes it (``@scope/pkg``, a Go module path)."""
    if purl.type in ("npm", "golang") and purl.namespace:
        return f"{purl.namespace}/{purl.name}"
    return str(purl.name)
