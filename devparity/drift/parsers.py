"""Pure parsers of the files a fingerprint is read from: text in, plain data out.

Nothing here touches the engine or the disk, so each is unit-tested on small
captured fixtures (tests/drift/test_fingerprint_parsers.py).
"""

from __future__ import annotations

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


def upstream_version(version: str) -> str:
    """Debian/Alpine package version to the upstream one:
    ``1:18.19.0+dfsg-1~deb12u1`` -> ``18.19.0``, ``3.11.6-r0`` -> ``3.11.6``."""
    v = version.split(":", 1)[1] if re.match(r"^\d+:", version) else version
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    return re.split(r"[+~]", v, maxsplit=1)[0]
