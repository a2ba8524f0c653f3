"""Where each fingerprint fact is read from, and the reading itself.

Only files are read, through an archive.Reader (the engine's archive API)
or a container's overlay of its image's record (drift.overlay);
nothing runs in the image. The OS facts are read here (parsed in
``parsers``); each runtime plugin reads its own version and packages
(``Runtime.fingerprint``).
"""

from __future__ import annotations

from typing import Any

from devparity import runtimes
from devparity.drift import parsers as p
from devparity.drift.overlay import Files


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def collect(reader: Files) -> dict[str, Any]:
    """``os``, ``runtimes`` and ``packages`` of whatever ``reader`` reads.

    Side effects: archive API reads only.
    """
    files = reader.read_files(["/etc/os-release", "/var/lib/dpkg/status", "/lib/apk/db/installed"])
    os_text = _text(files["/etc/os-release"]) or _text(reader.read_file("/usr/lib/os-release")) or ""
    packages: dict[str, dict[str, str]] = {}
    if files["/var/lib/dpkg/status"] is not None:
        packages["dpkg"] = p.parse_dpkg_status(_text(files["/var/lib/dpkg/status"]) or "")
    if files["/lib/apk/db/installed"] is not None:
        packages["apk"] = p.parse_apk_installed(_text(files["/lib/apk/db/installed"]) or "")
    system = {**packages.get("apk", {}), **packages.get("dpkg", {})}
    found_runtimes: dict[str, str] = {}
    for runtime in runtimes.RUNTIMES.values():
        found = runtime.fingerprint(reader, system)
        if found.version:
            found_runtimes[runtime.name] = found.version
        for ecosystem, listed in found.packages.items():
            if listed:
                packages.setdefault(ecosystem, {}).update(listed)
    return {"os": p.parse_os_release(os_text), "runtimes": found_runtimes, "packages": packages}
