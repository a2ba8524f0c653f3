"""Go: versions from go.mod (``toolchain`` and ``go`` lines), .go-version,
.tool-versions and mise; modules downloaded in their own layer, then one
static binary (CGO_ENABLED=0) at a fixed path that prod runs as the non-root
user. Dev rebuilds inside the container (the dev_build step) with its module
and build caches in named volumes, so a rebuild is incremental. The
fingerprint reads the binary's embedded build info (gobuildinfo): the Go
version it was built with and every module linked in."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from devparity.runtimes import gobuildinfo, gomod
from devparity.runtimes.plugin import (
    Defaults,
    DevVolume,
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

BIN_DIR = "/opt/app"
BIN = f"{BIN_DIR}/app"  # the prod binary; [app].command runs it
DEV_BIN = "/opt/app-dev/app"  # the dev build's output, in a dev-only volume
MODCACHE = "/go/pkg/mod"
BUILDCACHE = "/go/cache"
# GOROOT/VERSION of the official image and of Debian's golang-X.Y packages:
# the toolchain's version when the image holds no binary to read.
_VERSION_FILES = ("/usr/local/go/VERSION",)
_MAX_BINARY = 512 * 1024 * 1024
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*", re.ASCII)


class GoRuntime(Defaults):
    name: str = "go"
    template: str = "go.Dockerfile"
    markers: tuple[str, ...] = ("go.mod", ".go-version")
    known_versions: tuple[str, ...] = ("1.19", "1.20", "1.21", "1.22", "1.23", "1.24")
    default_port: int = 8080
    image_dirs: tuple[str, ...] = (BIN_DIR, "/opt/app-dev", "/go")
    generated_dirs: tuple[str, ...] = ()
    ecosystems: tuple[Ecosystem, ...] = (
        Ecosystem(
            "go", trees=(f"{MODCACHE}/*", f"{BUILDCACHE}/*"), pin=lambda name, version: f"require {name} {version}", purl="golang"
        ),
    )
    host_commands: tuple[tuple[str, ...], ...] = (("go", "version"),)
    version_managers: str = "goenv, asdf, mise, or go's own toolchain lines"

    # -- detection -------------------------------------------------------------

    def version_hints(self, root: Path) -> list[VersionHint]:
        hints: list[VersionHint] = []
        mod = _gomod(root)
        for source, raw in (
            ("go.mod", mod.toolchain if mod else None),
            (".go-version", first_line(root / ".go-version")),
            (".tool-versions", tool_versions(root, ("golang", "go"))),
            ("mise.toml", mise_version(root, ("go", "golang"))),
        ):
            if v := clean_version((raw or "").removeprefix("go")):
                hints.append(VersionHint(source, exact=v))
        # The go line is a minimum (Go 1.21+ enforces it; older toolchains
        # try anyway): any release at or past it builds the module.
        if mod and (v := clean_version(mod.go)):
            hints.append(VersionHint("go.mod", spec=f">={v}"))
        return hints

    def satisfies(self, version: str, spec: str) -> bool:
        m = re.fullmatch(r"\s*>=\s*(\d+(?:\.\d+){0,2})\s*", spec)
        if not m:
            return True  # unreadable: do not block on it
        # a partial version ("1.21") names its whole release line
        have = _numeric(version) + ((999,) if version.count(".") < 2 else ())
        return have >= _numeric(m.group(1))

    def dependency_files(self, root: Path) -> list[str]:
        if not (root / "go.mod").is_file():
            return []
        return ["go.mod", *(["go.sum"] if (root / "go.sum").is_file() else [])]

    def default_base_image(self, version: str) -> str:
        return f"golang:{'.'.join(version.split('.')[:2])}"

    def default_command(self, root: Path) -> list[str]:
        return [BIN]

    def default_dev_command(self, root: Path) -> list[str] | None:
        return [DEV_BIN]

    # -- the build -------------------------------------------------------------

    def default_install(self, config: Config) -> str:
        mod = _gomod(config.root)
        if _vendored(config.root) or mod is None or not mod.network_requirements():
            return "true"  # nothing to download: the build runs with GOPROXY=off
        if mod.local_replacements():
            # `go mod download` loads the whole module graph, which needs the
            # replacement directories' go.mod: not copied yet at this layer.
            # The build (after COPY . .) downloads instead.
            return "true"
        return "go mod download"

    def template_context(self, config: Config) -> dict[str, str]:
        return {
            "bin": BIN,
            "bin_dir": BIN_DIR,
            "dev_bin_dir": DEV_BIN.rsplit("/", 1)[0],
            "caches": f"{MODCACHE} {BUILDCACHE}",
            "build": build_command(BIN, main_package(config.root)),
        }

    def image_env(self, config: Config) -> dict[str, str]:
        env = {"CGO_ENABLED": "0", "GOMODCACHE": MODCACHE, "GOCACHE": BUILDCACHE, "GOFLAGS": "-buildvcs=false"}
        mod = _gomod(config.root)
        if _vendored(config.root):
            env["GOFLAGS"] = "-buildvcs=false -mod=vendor"
            env["GOPROXY"] = "off"
        elif mod is None or not mod.network_requirements():
            env["GOPROXY"] = "off"  # no requirement needs the network: never try it
        return env

    # -- the dev container -------------------------------------------------------

    def dev_volumes(self, config: Config) -> tuple[DevVolume, ...]:
        return (
            DevVolume("gomod", MODCACHE),
            DevVolume("gocache", BUILDCACHE),
            DevVolume("gobin", DEV_BIN.rsplit("/", 1)[0]),
        )

    def dev_build(self, config: Config) -> str | None:
        return build_command(DEV_BIN, main_package(config.root))

    # -- the fingerprint ---------------------------------------------------------

    def fingerprint(self, image: ImageFiles, system: Mapping[str, str]) -> Found:
        info = None
        for _rel, data in image.walk(BIN_DIR, lambda rel: rel == BIN.rsplit("/", 1)[1], _MAX_BINARY):
            info = gobuildinfo.parse(data)
        if info is not None:
            return Found(info.go_version, {"go": info.modules()} if info.deps else {})
        return Found(_toolchain_version(image, system))


def _toolchain_version(image: ImageFiles, system: Mapping[str, str]) -> str | None:
    for path in _VERSION_FILES:
        if v := _version_file(image.read_file(path)):
            return v
    for pkg, version in sorted(system.items()):
        m = re.fullmatch(r"golang-(\d+\.\d+)-go", pkg)
        if m:
            return _upstream(version)
    return None


def _version_file(data: bytes | None) -> str | None:
    text = (data or b"").decode("utf-8", errors="replace").split("\n", 1)[0].strip()
    m = re.fullmatch(r"go(\d+\.\d+(?:\.\d+)?)", text)
    return m.group(1) if m else None


def _upstream(version: str) -> str:
    """dpkg's "1.19.8-2" -> "1.19.8"."""
    return re.sub(r"^\d+:", "", version).split("-")[0].split("+")[0]


def build_command(output: str, package: str) -> str:
    """One shell line: a static, path-trimmed build of ``package``. Without
    the symbol table and DWARF (-s -w) the link of a net/http app takes about
    half the time (0.5-1.0 s against 1.3-1.9 s warm here), which is most of a
    reload; the build info (.go.buildinfo) stays."""
    return f"go build -trimpath -ldflags='-s -w' -o {shlex.quote(output)} {shlex.quote(package)}"


def main_package(root: Path) -> str:
    """``.`` when the module root is a main package, else the one ``cmd/X``.
    The name lands in a Dockerfile RUN line: only plain names are taken (a
    directory named with a newline must not start a second instruction)."""
    if any(p.suffix == ".go" for p in root.glob("*.go")) or not (root / "cmd").is_dir():
        return "."
    cmds = sorted(p.name for p in (root / "cmd").iterdir() if p.is_dir() and any(p.glob("*.go")))
    if len(cmds) == 1 and _PLAIN_NAME.fullmatch(cmds[0]):
        return f"./cmd/{cmds[0]}"
    return "."


def _gomod(root: Path) -> gomod.GoMod | None:
    text = read_text(root / "go.mod")
    return gomod.parse(text) if text is not None else None


def _vendored(root: Path) -> bool:
    return (root / "vendor" / "modules.txt").is_file()


def _numeric(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))
