"""What a runtime plugin provides: everything devparity knows about one
language lives in its module under ``devparity/runtimes/``, the way
pre-commit's ``languages/`` do. Adding a runtime is adding a module that
implements ``Runtime`` and a template under ``templates/``, and registering
it in ``devparity/runtimes/__init__.py``; nothing outside ``runtimes/`` and
``templates/`` names a language.

The hooks fall in five groups, each used by one part of devparity:

- detection (``devparity.detect``, ``init``): markers, version hints,
  dependency files, default command, port and base image;
- the build (``devparity.render``): template, install command, template
  context, image env;
- the dev container (``devparity.roles``, ``up``): shadowed project dirs,
  dev-only named volumes (build caches), a build step run before each
  (re)start, the default dev command;
- the fingerprint (``devparity.drift.sources``): the runtime version and the
  packages found in an image, read through the archive API (nothing runs in
  the image);
- ``check``'s advice: the host command asked for its version, the version
  managers a fix names, each package ecosystem's writable-layer trees and
  pin syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from devparity import files, toml
from devparity.errors import ConfigError

if TYPE_CHECKING:
    from devparity.config import Config


@dataclass(frozen=True)
class VersionHint:
    """One file's word on the runtime version.

    ``exact`` is a concrete version ("3.11", "18.19.0"); ``spec`` is a range
    ("">=3.12", "^18"). A hint carries one or the other.
    """

    source: str  # file name, relative to the project root
    exact: str | None = None
    spec: str | None = None

    def describe(self) -> str:
        return f"{self.source} says {self.exact or self.spec}"


@dataclass(frozen=True)
class Ecosystem:
    """One package ecosystem a runtime installs into (``pip``, ``npm``, ``go``).

    ``trees``: fnmatch patterns of the paths its package manager writes; with
    package drift in this ecosystem, a container's writable-layer changes
    under them are that drift's detail, not separate news
    (``drift.container_rule``).
    ``pin``: how a dependency file pins ``name`` at ``version``
    (``requests==2.31.0``, ``left-pad@1.3.0``); None when the ecosystem has
    no one-line pin (then the fix names the files, not a pin).
    ``purl``: the package-URL type of its packages in an SBOM (devparity.sbom).
    """

    name: str
    trees: tuple[str, ...] = ()
    pin: Callable[[str, str], str] | None = None
    # The package-URL type an SBOM names its packages by (``pypi``, ``npm``,
    # ``golang``: github.com/package-url/purl-spec); None: pkg:generic.
    purl: str | None = None


class ImageFiles(Protocol):
    """The part of ``devparity.engine.archive.Reader`` a fingerprint hook may
    use: files of an image or container, read through the archive API."""

    def read_file(self, path: str) -> bytes | None: ...

    def walk(self, path: str, predicate: Callable[[str], bool], max_size: int | None = None) -> Iterable[tuple[str, bytes]]: ...


@dataclass
class Found:
    """What a runtime's fingerprint hook found in one image: its version
    (None when the runtime is not there) and packages by ecosystem name."""

    version: str | None = None
    packages: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DevVolume:
    """A named volume the dev container mounts at ``target`` (a build cache:
    Go's GOCACHE and GOMODCACHE), so a rebuild inside the container is
    incremental and survives ``down``/``up``. Prod never mounts it.

    devparity names it ``<dev container name>-<key>``. The dev container runs
    as the host's UID: the template should create ``target`` mode 1777 (a new
    volume takes the image directory's contents and mode), and point the
    tool at it with ``image_env`` so dev and prod see the same env.
    """

    key: str  # [a-z0-9-]+, unique within the runtime
    target: str  # absolute path in the container


class Runtime(Protocol):
    """One language. Attributes are plain data; methods are pure (they read
    the project's files or an image's files, never run anything)."""

    # --- identity and detection -------------------------------------------
    name: str  # the [runtime].language value
    template: str  # file name under templates/
    # Files whose presence says the project uses this runtime.
    markers: tuple[str, ...]
    # Concrete versions a range is resolved against, oldest first.
    known_versions: tuple[str, ...]
    # The port `init` writes into [app].ports.
    default_port: int

    def version_hints(self, root: Path) -> list[VersionHint]:
        """Every file's word on the version (.python-version, go.mod's ``go``
        line, ...), most specific first."""
        ...

    def satisfies(self, version: str, spec: str) -> bool:
        """Whether ``version`` (maybe partial: "18") meets a range hint."""
        ...

    def dependency_files(self, root: Path) -> list[str]:
        """The files the install step reads (project-relative), copied into
        the image before the source so a source-only change reuses the
        install layer, and hashed into devparity.lock's inputs."""
        ...

    def default_base_image(self, version: str) -> str: ...

    def default_command(self, root: Path) -> list[str]:
        """The prod command `init` writes into [app].command."""
        ...

    def default_dev_command(self, root: Path) -> list[str] | None:
        """The dev command `init` writes into [dev].command when dev runs
        something else than prod (a compiled language runs the binary its
        ``dev_build`` step writes); None: dev runs the prod command."""
        ...

    # --- the build (devparity.render) ---------------------------------------
    def default_install(self, config: Config) -> str:
        """The install RUN line when [dependencies].install is not set: one
        shell line, file names shell-quoted. May read the project's files
        (``config.root``): lockfile kinds, a ``packageManager`` field."""
        ...

    def template_context(self, config: Config) -> dict[str, str]:
        """Extra ``${placeholders}`` for this runtime's template, beyond the
        shared ones (base, workdir, copy_deps, install, user, env, command,
        ...). Values land in the Dockerfile as they are: quote them here."""
        ...

    def image_env(self, config: Config) -> dict[str, str]:
        """Env the template's ``${runtime_env}`` line sets in the image (both
        dev and prod see it, so it is not drift): tool settings such as
        GOFLAGS, GOCACHE pointing into a DevVolume, a package manager's
        offline switch. Values are quoted by render."""
        ...

    # Absolute directories the template installs into; [app].workdir may
    # not be one of them (the dev bind mount would hide the dependencies).
    image_dirs: tuple[str, ...]

    # --- the dev container (devparity.roles, up) ----------------------------
    # Project-relative dirs that would shadow the image's dependencies inside
    # the dev bind mount (node_modules): dev covers each one the host has
    # with an empty tmpfs.
    shadowed: tuple[str, ...]
    # Directory names the dev watcher skips and the build context leaves out
    # (virtualenvs, node_modules, caches): generated, large, host-specific.
    generated_dirs: tuple[str, ...]

    def dev_volumes(self, config: Config) -> tuple[DevVolume, ...]:
        """Named volumes only the dev container mounts (build caches)."""
        ...

    def dev_build(self, config: Config) -> str | None:
        """A shell line the dev supervisor runs before each (re)start of the
        app, inside the dev container as the host user, in the workdir (a
        compiled language's ``go build -o /tmp/app .``); the dev command
        (``default_dev_command``) then execs what it built. It reaches the
        supervisor as DEVPARITY_BUILD (devparity/dev/supervisor/supervise.sh):
        on a reload the old app stops, the build runs, and the app starts
        only when it succeeded; a failed build prints its errors and a
        "build failed" line, and the next edit tries again. Keep its caches
        in ``dev_volumes`` so each rebuild is incremental. None: no step."""
        ...

    # --- the fingerprint (devparity.drift.sources) --------------------------
    # The ecosystems ``fingerprint`` reports packages under.
    ecosystems: tuple[Ecosystem, ...]

    def fingerprint(self, image: ImageFiles, system: Mapping[str, str]) -> Found:
        """This runtime's version and packages in an image or container, read
        through the archive API only (a venv's pyvenv.cfg, node_version.h,
        site-packages METADATA, node_modules manifests, a Go binary's
        embedded build info). ``system`` holds the OS packages (dpkg, apk)
        for a distro-packaged runtime's version. An image without this
        runtime gives ``Found()``; this hook must not raise on odd files."""
        ...

    # --- check's advice ------------------------------------------------------
    # argv that print the host's version of this runtime, tried in order; the
    # first found on PATH is run and its first X.Y[.Z] is the version.
    host_commands: tuple[tuple[str, ...], ...]
    # Where the host-vs-pin fix points a developer ("pyenv, uv, asdf, mise").
    version_managers: str


class Defaults:
    """The optional hooks' answers for a runtime that needs none of them;
    a runtime class may inherit these and override what it uses."""

    image_dirs: tuple[str, ...] = ()
    shadowed: tuple[str, ...] = ()
    generated_dirs: tuple[str, ...] = ()

    def default_dev_command(self, root: Path) -> list[str] | None:
        return None

    def template_context(self, config: Config) -> dict[str, str]:
        return {}

    def image_env(self, config: Config) -> dict[str, str]:
        return {}

    def dev_volumes(self, config: Config) -> tuple[DevVolume, ...]:
        return ()

    def dev_build(self, config: Config) -> str | None:
        return None


def read_text(path: Path) -> str | None:
    """A version hint file's text, or None when it is absent or unusable: a
    hint is advisory, but a FIFO or device must not hang detection."""
    try:
        return files.read_text(path)
    except ConfigError:
        return None


def first_line(path: Path) -> str | None:
    text = read_text(path)
    if text is None:
        return None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return line
    return None


def tool_versions(root: Path, tool_names: tuple[str, ...]) -> str | None:
    """The version asdf's ``.tool-versions`` pins for one of ``tool_names``."""
    text = read_text(root / ".tool-versions")
    for line in (text or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] in tool_names:
            return parts[1]
    return None


def mise_version(root: Path, tool_names: tuple[str, ...]) -> str | None:
    for name in ("mise.toml", ".mise.toml"):
        text = read_text(root / name)
        if text is None:
            continue
        try:
            tools = toml.loads(text).get("tools", {})
        except (toml.TOMLDecodeError, RecursionError):
            return None
        if not isinstance(tools, dict):
            return None
        for tool in tool_names:
            value = tools.get(tool)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get("version")
            if isinstance(value, (str, int, float)):
                return str(value)
    return None


_VERSION = re.compile(r"^v?(\d+(?:\.\d+){0,2})")


def clean_version(raw: str | None) -> str | None:
    """'v18.19.0' -> '18.19.0', 'python-3.11.4' -> '3.11.4', 'lts/*' -> None."""
    if not raw:
        return None
    raw = raw.strip().removeprefix("python-").removeprefix("cpython-")
    m = _VERSION.match(raw)
    return m.group(1) if m else None


def same_release(a: str, b: str) -> bool:
    """'3.11' and '3.11.7' name the same release; '3.11' and '3.12' do not."""
    pa, pb = a.split("."), b.split(".")
    n = min(len(pa), len(pb))
    return pa[:n] == pb[:n]
