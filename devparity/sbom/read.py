"""A CycloneDX JSON SBOM read back as a fingerprint, for `devparity diff`
(issue 11). Plain JSON reading, without cyclonedx-python-lib (a diff should
not pay for loading it): an SBOM devparity wrote is rebuilt exactly from its
``devparity:*`` properties; one another tool wrote (syft, trivy, cdxgen) is
read by its package URLs alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packageurl import PackageURL

from devparity import sbom
from devparity.drift import shape
from devparity.errors import UsageError

ECOSYSTEM = "devparity:ecosystem"
RUNTIME = "devparity:runtime"
OS_FIELD = "devparity:os:"
KIND = "devparity:kind"
IMAGE_ID = "devparity:image_id"
SERVICE = "devparity:service"
HINT = "pass a CycloneDX JSON SBOM (as `devparity snapshot TARGET --format cyclonedx` writes) or a devparity snapshot"


def is_cyclonedx(data: Any) -> bool:
    return isinstance(data, dict) and data.get("bomFormat") == "CycloneDX"


def _properties(item: Mapping[str, Any]) -> dict[str, str]:
    props = item.get("properties") or []
    if not isinstance(props, list):
        return {}
    return {str(p["name"]): str(p.get("value", "")) for p in props if isinstance(p, dict) and isinstance(p.get("name"), str)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def to_fingerprint(data: dict[str, Any], where: str) -> dict[str, Any]:
    """A fingerprint of the OS, runtimes and packages an SBOM lists (no
    config, changes or mounts: an SBOM has none). Raises UsageError naming
    ``where`` when the document is not shaped like CycloneDX JSON."""
    components = data.get("components") or []
    if not isinstance(components, list) or not isinstance(data.get("metadata") or {}, dict):
        raise UsageError(f"{where} is not a CycloneDX JSON SBOM (`components` must be a list)", hint=HINT)
    subject = _dict(_dict(data.get("metadata")).get("component"))
    subject_props = _properties(subject)
    os_info, runtimes_found, packages, services = _environment(components, where)
    fp: dict[str, Any] = {
        "schema": 1,
        "kind": subject_props.get(KIND, "image"),
        "ref": _text(subject.get("name")) or where,
        "image_id": subject_props.get(IMAGE_ID) or _text(subject.get("version")),
        "os": os_info,
        "runtimes": runtimes_found,
        "packages": packages,
        "sbom": "cyclonedx",
    }
    if services:
        fp["services"] = services
    shape.check(fp, where)  # a field of another type is an input error, not a crash
    return fp


def _environment(
    components: list[Any], where: str
) -> tuple[dict[str, Any], dict[str, str], dict[str, dict[str, str]], dict[str, Any]]:
    """The OS, runtimes, packages and services (each a container component
    with its own environment nested, as devparity writes it) of a component list."""
    os_info: dict[str, Any] = {}
    runtimes_found: dict[str, str] = {}
    packages: dict[str, dict[str, str]] = {}
    services: dict[str, Any] = {}
    for item in components:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise UsageError(f"{where}: a component has no name; not a CycloneDX SBOM devparity can read", hint=HINT)
        props = _properties(item)
        if item.get("version") is not None and not isinstance(item["version"], str):
            raise UsageError(f"{where}: a component's version is not a string; not a CycloneDX SBOM", hint=HINT)
        version = _text(item.get("version")) or ""
        if item.get("type") == "operating-system":
            os_info = {k[len(OS_FIELD):]: v for k, v in props.items() if k.startswith(OS_FIELD)} or {
                "id": item["name"], "version_id": version or None, "pretty_name": _text(item.get("description"))
            }
        elif RUNTIME in props:
            runtimes_found[props[RUNTIME]] = version
        elif SERVICE in props:
            nested = item.get("components") or []
            if not isinstance(nested, list):
                raise UsageError(f"{where}: a service's `components` must be a list", hint=HINT)
            s_os, s_runtimes, s_packages, _ = _environment(nested, where)
            services[props[SERVICE]] = {
                "image_id": version or None,
                "fingerprint": {"os": s_os, "runtimes": s_runtimes, "packages": s_packages},
            }
        else:
            ecosystem, name = _package(item, props, where)
            packages.setdefault(ecosystem, {})[name] = version
    return os_info, runtimes_found, packages, services


def _package(item: dict[str, Any], props: dict[str, str], where: str) -> tuple[str, str]:
    """(ecosystem, name) of a package component: devparity's own property,
    else what its purl says (pkg:pypi -> pip, an npm scope joined back)."""
    ecosystem, name = props.get(ECOSYSTEM), str(item["name"])
    purl_text = item.get("purl")
    if not isinstance(purl_text, str):
        return ecosystem or sbom.GENERIC, name
    try:
        purl = PackageURL.from_string(purl_text)
    except ValueError:
        raise UsageError(f"{where}: a component's purl is not a package URL", hint=HINT) from None
    if ecosystem:
        return ecosystem, name
    return sbom.ecosystem_of(str(purl.type)) or str(purl.type), sbom.name_from_purl(purl)
