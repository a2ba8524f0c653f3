"""Node.js: versions from .nvmrc, .node-version, .tool-versions, mise and
package.json engines.node; dependencies installed in /opt/deps, found by
Node's module lookup through the /node_modules link."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devparity.runtimes import node_image, node_pm
from devparity.runtimes.node_image import DEPS
from devparity.runtimes.plugin import (
    Defaults,
    Ecosystem,
    Found,
    ImageFiles,
    VersionHint,
    clean_version,
    first_line,
    mise_version,
    read_text,
    tool_versions,
)

if TYPE_CHECKING:
    from devparity.config import Config

NPM = Ecosystem("npm", trees=("*/node_modules/*",), pin=lambda n, v: f"{n}@{v}", purl="npm")


class NodeRuntime(Defaults):
    name: str = "node"
    template: str = "node.Dockerfile"
    default_port: int = 3000
    image_dirs: tuple[str, ...] = (DEPS,)
    # Node resolves <workdir>/node_modules before /node_modules, so a host
    # node_modules (other platform, other versions) would win over the image's.
    shadowed: tuple[str, ...] = ("node_modules",)
    generated_dirs: tuple[str, ...] = ("node_modules",)
    ecosystems: tuple[Ecosystem, ...] = (NPM,)
    host_commands: tuple[tuple[str, ...], ...] = (("node", "--version"),)
    version_managers: str = "nvm, fnm, asdf, mise"
    markers: tuple[str, ...] = ("package.json", ".nvmrc", ".node-version")
    known_versions: tuple[str, ...] = ("16", "18", "20", "22", "24")

    def version_hints(self, root: Path) -> list[VersionHint]:
        hints: list[VersionHint] = []
        for source, raw in (
            (".nvmrc", first_line(root / ".nvmrc")),
            (".node-version", first_line(root / ".node-version")),
            (".tool-versions", tool_versions(root, ("nodejs", "node"))),
            ("mise.toml", mise_version(root, ("node", "nodejs"))),
        ):
            if v := clean_version(raw):
                hints.append(VersionHint(source, exact=v))
        engines = _package_json(root).get("engines")
        spec = engines.get("node") if isinstance(engines, dict) else None
        if isinstance(spec, str) and spec.strip():
            hints.append(VersionHint("package.json", spec=spec.strip()))
        return hints

    def satisfies(self, version: str, spec: str) -> bool:
        return semver_satisfies(version, spec)

    def dependency_files(self, root: Path) -> list[str]:
        if not (root / "package.json").is_file():
            return []
        return ["package.json", *[f for f in node_pm.LOCKS if (root / f).is_file()][:1]]

    def default_base_image(self, version: str) -> str:
        return f"node:{version.split('.')[0]}-slim"

    def default_install(self, config: Config) -> str:
        manager = node_pm.choose(config.root, config.dep_files, _package_json(config.root))
        return node_pm.install_command(manager)

    def default_command(self, root: Path) -> list[str]:
        pkg = _package_json(root)
        scripts = pkg.get("scripts")
        if isinstance(scripts, dict) and isinstance(scripts.get("start"), str):
            return ["npm", "start"]
        main = pkg.get("main") if isinstance(pkg.get("main"), str) else None
        for candidate in (main, "server.js", "index.js", "app.js"):
            if candidate and (root / candidate).is_file():
                return ["node", candidate]
        return ["node", "index.js"]

    def template_context(self, config: Config) -> dict[str, str]:
        return {"deps_dir": DEPS}

    def fingerprint(self, image: ImageFiles, system: Mapping[str, str]) -> Found:
        return node_image.fingerprint(image, system)


def _package_json(root: Path) -> dict[str, Any]:
    text = read_text(root / "package.json")
    try:
        data = json.loads(text) if text else {}
    except (json.JSONDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


# npm's semver ranges, the subset engines.node uses in practice:
# "||" alternatives of space-separated comparators, with ^ ~ x-ranges and hyphens.
_CMP = re.compile(r"^(>=|<=|>|<|=|\^|~)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


Version = tuple[int, int, int]


def _pad(nums: list[int]) -> Version:
    a, b, c = (nums + [0, 0, 0])[:3]
    return (a, b, c)


def _parts(version: str) -> Version:
    return _pad([int(p) for p in re.findall(r"\d+", version)[:3]])


def _bump(nums: list[int]) -> Version:
    """The first version past a prefix: [18] -> 19.0.0, [18, 2] -> 18.3.0."""
    return _pad([*nums[:-1], nums[-1] + 1])


def _comparators(text: str) -> list[tuple[str, Version]] | None:
    out: list[tuple[str, Version]] = []
    text = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", text.strip())
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", text)
    if hyphen:
        return [(">=", _parts(hyphen.group(1))), ("<=", _parts(hyphen.group(2)))]
    for token in text.split():
        m = _CMP.match(token)
        if not m:
            return None
        op, *raw = m.groups()
        nums = [int(p) for p in raw if p is not None and p not in "xX*"]
        if not nums:
            continue  # "*", "x": any version
        base = _pad(nums)
        if op in (None, "=") and len(nums) < 3:  # "18", "18.2.x": that whole line
            out += [(">=", base), ("<", _bump(nums))]
        elif op == "^":  # up to the next change of the first non-zero part
            idx = next((i for i, n in enumerate(nums) if n != 0), len(nums) - 1)
            out += [(">=", base), ("<", _bump(nums[: idx + 1]))]
        elif op == "~":  # patch updates when a minor is given, else minor updates
            out += [(">=", base), ("<", _bump(nums[:2]))]
        else:
            out.append((op or "=", base))
    return out


def semver_satisfies(version: str, spec: str) -> bool:
    """Whether a version (or release line: "18" means any 18.x) meets an npm range.

    A partial version satisfies when some release in its line could: "18" meets
    ">=18.17" because 18.17+ exists in the 18 line.
    """
    parts = version.split(".")
    lo = _parts(version)
    hi = (lo[0], 999 if len(parts) < 2 else lo[1], 999 if len(parts) < 3 else lo[2])
    for alt in spec.split("||"):
        comps = _comparators(alt)
        if comps is None:
            return True  # unreadable: do not block on it
        if all(_ok(lo, hi, op, ref) for op, ref in comps):
            return True
    return False


def _ok(lo: Version, hi: Version, op: str, ref: Version) -> bool:
    # [lo, hi] is the span of releases the (possibly partial) version names.
    return {
        ">=": hi >= ref,
        ">": hi > ref,
        "<=": lo <= ref,
        "<": lo < ref,
        "=": lo <= ref <= hi,
    }[op]
