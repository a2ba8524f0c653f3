"""Node's package managers as their users run them: npm, pnpm, Yarn 1 and
Yarn 2+ ("berry"), chosen from package.json's ``packageManager`` field and
the lockfile, and provided in the image the way that image allows.

An image with corepack (the official node images) runs the manager through
it; one without (a distro's nodejs + npm, like Debian's node:18-slim) gets
it from the npm registry with ``npm install -g``, pinned to the
``packageManager`` version when there is one. Yarn 2+ comes from the npm
registry either way (``@yarnpkg/cli-dist``; corepack is pointed at the npm
registry), since repo.yarnpkg.com is often unreachable from a build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devparity.runtimes.plugin import read_text

NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")
LOCKS = (*NPM_LOCKS, "yarn.lock", "pnpm-lock.yaml")
NPM_REGISTRY = "https://registry.npmjs.org"
# Corepack must neither ask (no TTY in a build), nor write a packageManager
# field into package.json, nor fail on npm's rotated signing keys (corepack
# before 0.31, as node 18 and 20 bundle it, knows only the old key; the
# tarball still comes over TLS and the lockfile's hashes are still checked).
COREPACK_ENV = (
    "COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_ENABLE_AUTO_PIN=0 COREPACK_INTEGRITY_KEYS= "
    f"COREPACK_NPM_REGISTRY=${{COREPACK_NPM_REGISTRY:-{NPM_REGISTRY}}}"
)
# Yarn 2+ installs a node_modules tree (devparity's /opt/deps layout needs
# one; Plug'n'Play would leave none), ignores a yarnPath release file the
# build does not copy, and keeps its cache out of the image.
BERRY_ENV = "YARN_NODE_LINKER=node-modules YARN_IGNORE_PATH=1 YARN_ENABLE_TELEMETRY=0 YARN_CACHE_FOLDER=/tmp/yarn-cache"
_FIELD = re.compile(r"(npm|pnpm|yarn)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:\+[0-9A-Za-z.]+)?")


@dataclass(frozen=True)
class Manager:
    name: str  # npm, pnpm, yarn
    version: str  # exact ("8.15.9") or a major ("9"): what npm install -g and corepack accept
    pinned: bool  # from package.json's packageManager field
    lockfile: str | None

    @property
    def berry(self) -> bool:
        return self.name == "yarn" and int(self.version.split(".")[0]) >= 2

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


def manager_field(package_json: dict[str, Any]) -> tuple[str, str] | None:
    """(name, exact version) from a well-formed ``packageManager`` field."""
    raw = package_json.get("packageManager")
    m = _FIELD.fullmatch(raw.strip()) if isinstance(raw, str) else None
    return (m.group(1), m.group(2)) if m else None


def choose(root: Path, dep_files: tuple[str, ...], package_json: dict[str, Any]) -> Manager:
    lock = next((f for f in LOCKS if f in dep_files), None)
    field = manager_field(package_json)
    if field:
        return Manager(field[0], field[1], True, lock)
    if lock == "pnpm-lock.yaml":
        return Manager("pnpm", _pnpm_major(_head(root / lock)), False, lock)
    if lock == "yarn.lock":
        return Manager("yarn", _yarn_major(root, _head(root / lock)), False, lock)
    return Manager("npm", "", False, lock)


def _head(path: Path) -> str:
    return (read_text(path) or "")[:4096]


def _pnpm_major(lock_text: str) -> str:
    """The pnpm release that writes this lockfileVersion (9.0: pnpm 9, 6.x: 8, 5.x: 7)."""
    m = re.search(r"^lockfileVersion:\s*['\"]?(\d+)", lock_text, re.M)
    return {"5": "7", "6": "8"}.get(m.group(1) if m else "", "9")


# Yarn 2+ refuses (--immutable) to install from a lockfile whose
# __metadata version it would rewrite, so an unpinned project gets the
# newest release that still writes its lockfile's version.
BERRY_FOR_METADATA = {"4": "2.4.3", "5": "2.4.3", "6": "3.8.7", "7": "3.8.7", "8": "4.5.3"}


def _yarn_major(root: Path, lock_text: str) -> str:
    """Yarn 2+ writes a ``__metadata`` entry and reads .yarnrc.yml; Yarn 1's
    lockfile has neither. (The packageManager field, when set, wins.)"""
    m = re.search(r"^__metadata:\s*\n\s+version:\s*(\d+)", lock_text, re.M)
    if m:
        return BERRY_FOR_METADATA.get(m.group(1), "4")
    return "4" if (root / ".yarnrc.yml").is_file() else "1"


def install_command(m: Manager) -> str:
    """One shell line that provides the manager (corepack when the image has
    it, else npm install -g) and installs from the lockfile, unchanged."""
    if m.name == "npm":
        return "npm ci" if m.lockfile in NPM_LOCKS else "npm install --no-audit --no-fund"
    frozen = m.lockfile is not None
    if m.name == "pnpm":
        args = "install --store-dir /tmp/pnpm-store" + (" --frozen-lockfile" if frozen else "")
        env, cleanup = "", " && rm -rf /tmp/pnpm-store"
        package = m.spec
    elif m.berry:
        args = "install" + (" --immutable" if frozen else "")
        env, cleanup = BERRY_ENV + " ", " && rm -rf /tmp/yarn-cache"
        package = f"@yarnpkg/cli-dist@{m.version}"
    else:
        args = "install --production=false --non-interactive" + (" --frozen-lockfile" if frozen else "")
        # Yarn 1 caches in the user's cache dir (root's, in a build)
        env, cleanup = "", " && rm -rf /usr/local/share/.cache/yarn /root/.cache/yarn"
        package = m.spec
    # With a packageManager field corepack takes the version from it (and
    # refuses a different one on the command line).
    via_corepack = f"env {COREPACK_ENV} {env}corepack {m.name if m.pinned else m.spec} {args}"
    via_npm = f"npm install -g --no-audit --no-fund {package} && env {env}{m.name} {args}"
    return f"if command -v corepack >/dev/null 2>&1; then {via_corepack}; else {via_npm}; fi{cleanup}"
