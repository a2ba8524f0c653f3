"""CycloneDX 1.6 JSON of a fingerprint, written with cyclonedx-python-lib
(issue 11); devparity.sbom.read reads it back for `devparity diff`.

Reproducible by default: the same fingerprint gives the same bytes (no
timestamp, no random serial number, bom-refs are the package URLs); a
timestamp and a random serial are added only when asked. What a diff needs
to rebuild the fingerprint exactly travels as ``devparity:*`` properties
(the ecosystem of each package, the OS fields).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping
from typing import Any

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6

from devparity import __version__, sbom
from devparity.sbom.read import ECOSYSTEM, IMAGE_ID, KIND, OS_FIELD, RUNTIME, SERVICE


def _props(**values: str) -> list[Property]:
    return [Property(name=k, value=v) for k, v in values.items()]


def build(fp: Mapping[str, Any], *, timestamp: datetime.datetime | None = None, serial: bool = False) -> Bom:
    """The Bom of fingerprint ``fp``: the image (or container) as the
    metadata component, its OS, its runtimes and every package."""
    bom = Bom()
    # the library stamps a random serial and the time by default: unset both
    # unless asked (its setters accept None; the stubs say otherwise)
    bom.serial_number = uuid.uuid4() if serial else None  # type: ignore[assignment]
    bom.metadata.timestamp = timestamp  # type: ignore[assignment]
    bom.metadata.tools.components.add(Component(type=ComponentType.APPLICATION, name="devparity", version=__version__))
    image_id = str(fp.get("image_id") or "")
    subject = Component(
        type=ComponentType.CONTAINER,
        name=str(fp.get("ref") or image_id or "image"),
        version=image_id or None,
        bom_ref="subject",
        properties=_props(**{KIND: str(fp.get("kind") or "image")}, **({IMAGE_ID: image_id} if image_id else {})),
    )
    bom.metadata.component = subject
    for component in environment(fp, ""):
        bom.components.add(component)
    # the backing services a dev/prod snapshot or the lock lists (issue 8):
    # a container each, its own OS and packages nested in it
    for name, entry in sorted(_services(fp).items()):
        service_id = str(entry.get("image_id") or "")
        bom.components.add(
            Component(
                type=ComponentType.CONTAINER,
                name=name,
                version=service_id or None,
                bom_ref=f"service:{name}",
                properties=_props(**{SERVICE: name}),
                components=environment(entry.get("fingerprint") or {}, f"service:{name}:"),
            )
        )
    # everything is in the image: a complete (flat) dependency graph
    bom.register_dependency(subject, list(bom.components))
    return bom


def _services(fp: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    services = fp.get("services")
    if not isinstance(services, Mapping):
        return {}
    return {str(k): v for k, v in services.items() if isinstance(v, Mapping)}


def environment(fp: Mapping[str, Any], prefix: str) -> list[Component]:
    """The OS, runtimes and packages of one fingerprint as components;
    ``prefix`` keeps a service's bom-refs apart from the app's (both may
    hold the same Debian package)."""
    out: list[Component] = []
    os_info = fp.get("os") if isinstance(fp.get("os"), Mapping) else {}
    if os_info and os_info.get("id"):
        out.append(
            Component(
                type=ComponentType.OPERATING_SYSTEM,
                name=str(os_info["id"]),
                version=str(os_info.get("version_id") or "") or None,
                description=str(os_info.get("pretty_name") or "") or None,
                bom_ref=f"{prefix}os:{os_info['id']}",
                properties=[Property(name=OS_FIELD + k, value=str(v)) for k, v in sorted(os_info.items()) if v is not None],
            )
        )
    for name, version in sorted((fp.get("runtimes") or {}).items()):
        purl = sbom.runtime_url(name, str(version))
        out.append(
            Component(type=ComponentType.PLATFORM, name=name, version=str(version), purl=purl,
                      bom_ref=f"{prefix}runtime:{purl}", properties=_props(**{RUNTIME: name}))
        )
    for pkg in sbom.packages(fp):
        out.append(
            Component(
                type=ComponentType.LIBRARY,
                name=pkg.name,
                version=pkg.version or None,
                purl=pkg.purl,
                # unique: two ecosystems never share a purl type
                bom_ref=f"{prefix}{pkg.purl}",
                properties=_props(**{ECOSYSTEM: pkg.ecosystem}),
            )
        )
    return out


def dumps(fp: Mapping[str, Any], *, timestamp: datetime.datetime | None = None, serial: bool = False) -> str:
    """The CycloneDX 1.6 JSON text of ``fp`` (sorted keys, two-space indent)."""
    text = JsonV1Dot6(build(fp, timestamp=timestamp, serial=serial)).output_as_string(indent=2)
    return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
