"""Where each fingerprint fact is read from, and the reading itself.

Only files are read, through an archive.Reader (the engine's archive API);
nothing runs in the image. The parsing is in ``parsers``.
"""

from __future__ import annotations

import re
from typing import Any

from devparity.drift import parsers as p
from devparity.engine import archive

# Site dirs are scanned under these roots; the image's workdir is not, since
# the project's own source is not part of its environment.
PIP_ROOTS = ("/opt/venv/lib", "/usr/local/lib", "/usr/lib/python3/dist-packages")
NPM_ROOTS = ("/opt/deps/node_modules", "/usr/local/lib/node_modules", "/usr/lib/node_modules", "/usr/share/nodejs")


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def collect(reader: archive.Reader) -> dict[str, Any]:
    """``os``, ``runtimes`` and ``packages`` of whatever ``reader`` reads.

    Side effects: archive API reads only.
    """
    files = reader.read_files(
        [
            "/etc/os-release",
            "/var/lib/dpkg/status",
            "/lib/apk/db/installed",
            "/opt/venv/pyvenv.cfg",
            "/usr/local/include/node/node_version.h",
            "/usr/include/node/node_version.h",
        ]
    )
    os_text = _text(files["/etc/os-release"]) or _text(reader.read_file("/usr/lib/os-release")) or ""
    packages: dict[str, dict[str, str]] = {}
    if files["/var/lib/dpkg/status"] is not None:
        packages["dpkg"] = p.parse_dpkg_status(_text(files["/var/lib/dpkg/status"]) or "")
    if files["/lib/apk/db/installed"] is not None:
        packages["apk"] = p.parse_apk_installed(_text(files["/lib/apk/db/installed"]) or "")

    pip: dict[str, str] = {}
    local_pythons: set[str] = set()
    for root in PIP_ROOTS:

        def wanted(rel: str, root: str = root) -> bool:
            # the /usr/local/lib walk also notes pythonX.Y dirs, the last
            # resort for the Python version, without a second walk
            if root == "/usr/local/lib" and rel.startswith("python") and rel.count("/") <= 1:
                local_pythons.add(rel.split("/")[0])
            return p.is_pip_metadata(root, rel)

        for _rel, data in reader.walk(root, wanted):
            parsed = p.parse_metadata(data.decode("utf-8", errors="replace"))
            if parsed:
                pip.setdefault(*parsed)  # earlier roots (the venv) win
    if pip:
        packages["pip"] = pip

    npm: dict[str, str] = {}
    for root in NPM_ROOTS:
        for _rel, data in reader.walk(root, p.is_npm_manifest):
            parsed_npm = p.parse_package_json(data)
            if parsed_npm:
                npm.setdefault(*parsed_npm)
    if npm:
        packages["npm"] = npm

    return {
        "os": p.parse_os_release(os_text),
        "runtimes": _runtimes(reader, files, packages, local_pythons),
        "packages": packages,
    }


def _runtimes(
    reader: archive.Reader, files: dict[str, bytes | None], packages: dict[str, dict[str, str]], local_pythons: set[str]
) -> dict[str, str]:
    system = {**packages.get("apk", {}), **packages.get("dpkg", {})}
    runtimes: dict[str, str] = {}
    python = p.parse_pyvenv_cfg(_text(files["/opt/venv/pyvenv.cfg"]) or "")
    if not python and "python3" in system:
        python = p.upstream_version(system["python3"])
    if not python:
        xy = sorted((d[6:] for d in local_pythons if re.fullmatch(r"python\d+\.\d+", d)), key=_numeric)
        if xy:
            # patchlevel.h gives the micro version when the headers are there
            header = _text(reader.read_file(f"/usr/local/include/python{xy[-1]}/patchlevel.h"))
            python = (header and p.parse_patchlevel_h(header)) or xy[-1]
    if python:
        runtimes["python"] = python
    node_h = files["/usr/local/include/node/node_version.h"] or files["/usr/include/node/node_version.h"]
    node = p.parse_node_version_h(_text(node_h) or "")
    if not node and "nodejs" in system:
        node = p.upstream_version(system["nodejs"])
    if node:
        runtimes["node"] = node
    return runtimes


def _numeric(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))
