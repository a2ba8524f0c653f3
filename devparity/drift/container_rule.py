"""Rule ``containers``: each live dev or prod container against the image it
runs (pure). What ``[dev]`` declares is not drift: its env, command and user,
the supervisor that `devparity up` wraps the command in, the bind mount.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from devparity import runtimes
from devparity.drift.diff import Change, diff
from devparity.drift.findings import ContainerFacts, Facts, Finding, Skipped, comparable, describe, value
from devparity.secrets import mask_env

# Env the dev overlay sets besides [dev].env: HOME for the host uid, which
# has no home in the image, and the supervisor's DEVPARITY_* settings
# (devparity/dev/supervisor/supervise.sh).
DEV_OVERLAY_ENV = ("HOME",)
DEV_OVERLAY_PREFIX = "DEVPARITY_"
# Image config the dev overlay replaces: [dev].command wrapped in the
# supervisor (cmd, entrypoint) and the host uid:gid (user).
DEV_OVERLAY_CONFIG = ("user", "cmd", "entrypoint")
# Published ports are [dev]/[prod].ports, declared either way.
IGNORED_CONFIG = ("exposed_ports",)

# Trees a package manager writes: with package drift in that ecosystem,
# their writable-layer changes are the package findings' detail, not news.
# The OS managers' are here; each runtime plugin names its own
# (runtimes.plugin.Ecosystem.trees).
OS_PACKAGE_TREES: dict[str, tuple[str, ...]] = {
    "dpkg": ("/var/lib/dpkg/*", "/var/lib/apt/*", "/var/cache/apt/*", "/var/cache/debconf/*", "/var/log/*"),
    "apk": ("/lib/apk/*", "/var/cache/apk/*", "/etc/apk/*"),
}
_KIND_WORDS = {"A": "added", "C": "changed", "D": "deleted"}


def rule_containers(facts: Facts) -> list[Finding] | Skipped:
    if isinstance(facts.containers, Skipped):
        return facts.containers
    if not facts.containers:
        return Skipped("no dev or prod container is running")
    out: list[Finding] = []
    for c in facts.containers:
        out += container_findings(c, facts)
    return out + process_parity(facts.containers)


def process_parity(containers: Iterable[ContainerFacts]) -> list[Finding]:
    """A process runs its role's app image (a web + worker pair shares one
    image), and its dev and prod containers run images of the same inputs."""
    running = list(containers)
    apps = {c.role: c for c in running if c.process is None}
    out = []
    for c in running:
        app = apps.get(c.role)
        if c.process is None or app is None or c.fingerprint.get("image_id") == app.fingerprint.get("image_id"):
            continue
        mine, theirs = (str(x.fingerprint.get("image_id") or "?").removeprefix("sha256:")[:12] for x in (c, app))
        out.append(Finding(
            "containers", "error", "image", f"{c.label} container", c.name,
            f"the {c.label} container runs image {mine}, the {c.role} app runs {theirs}: a process runs its app's image",
            f"start them again together: `devparity up {c.role}`", expected=theirs, actual=mine,
        ))
    by_process: dict[str, dict[str, ContainerFacts]] = {}
    for c in running:
        if c.process is not None:
            by_process.setdefault(c.process, {})[c.role] = c
    for name, pair in sorted(by_process.items()):
        dev, prod = pair.get("dev"), pair.get("prod")
        if dev and prod and dev.inputs and prod.inputs and dev.inputs != prod.inputs:
            out.append(Finding(
                "containers", "error", "image", "dev and prod", name,
                f"process {name} runs images of other inputs in dev and prod (dev/{name} {dev.inputs[:19]}, "
                f"prod/{name} {prod.inputs[:19]})",
                "start both on the current config: `devparity up dev` and `devparity up prod --detach`",
                expected=prod.inputs, actual=dev.inputs,
            ))
    return out


def container_findings(c: ContainerFacts, facts: Facts) -> list[Finding]:
    subject = f"{c.label} container"
    recreate = f"recreate it: `devparity down && devparity up {c.role}`"
    out: list[Finding] = []

    def add(ch: Change | None, category: str, name: str, message: str, fix: str) -> None:
        eco, a, b = (ch.ecosystem, ch.a, ch.b) if ch else (None, None, None)
        out.append(Finding("containers", "error", category, subject, name, message, fix, eco, a, b))

    if c.inputs and facts.current_inputs and c.inputs != facts.current_inputs:
        add(
            None,
            "image",
            c.name,
            f"the {c.label} container {c.name} runs an image built from other inputs than the current config",
            f"restart it on the current image: `devparity up {c.role}`",
        )
    changes = diff(comparable(c.image), comparable(c.fingerprint))
    image_side, here = "its image", f"the {c.label} container"
    for ch in changes:
        if ch.category in ("package", "os", "runtime"):
            add(ch, ch.category, ch.name, describe(ch, image_side, here), _package_fix(ch, facts, recreate))
        elif ch.category == "env":
            env = _env_finding(ch, c, facts, recreate)
            if env:
                add(ch, "env", ch.name, *env)
        elif ch.category == "config":
            if ch.name in IGNORED_CONFIG or (c.role == "dev" and ch.name in DEV_OVERLAY_CONFIG):
                continue
            if ch.name == "cmd" and c.process is not None and c.declared_cmd is not None:
                if ch.b == list(c.declared_cmd):
                    continue  # the process's own command, as [processes.NAME] declares it
                add(ch, "config", ch.name, describe(ch, image_side, here) + f" (not the command [processes.{c.process}] declares)",
                    f"restart it with the current config: `devparity up {c.role}`")
                continue
            add(ch, "config", ch.name, describe(ch, image_side, here), recreate)
    ecosystems = {ch.ecosystem for ch in changes if ch.category == "package" and ch.ecosystem}
    mounts = [str(m.get("destination") or "") for m in c.fingerprint.get("mounts") or []]
    home = (c.fingerprint.get("config") or {}).get("env", {}).get("HOME") if c.role == "dev" else None
    for path, kind in fold_changes(c.fingerprint.get("changes") or [], mounts, home, ecosystems):
        add(
            None,
            "file",
            path,
            f"{path} was {_KIND_WORDS.get(kind, kind)} in the {c.label} container after it started "
            "(its image does not have this change)",
            "bake it into the image (dependency files, [runtime].system_packages) and run `devparity lock`, "
            f"or {recreate}",
        )
    for path in c.fingerprint.get("hidden_paths") or []:
        add(
            None,
            "hidden",
            path,
            f"{path} is in {c.hidden_in} but hidden by the {c.label} container's bind mount "
            f"(the host directory lacks it): {c.role} runs without it, prod with it",
            "restore it on the host, or keep it out of the image (.dockerignore, or install it outside "
            f"{facts.workdir}) and run `devparity build`",
        )
    return out


def _package_fix(ch: Change, facts: Facts, recreate: str) -> str:
    deps = " or ".join(facts.dep_files) or "the dependency files"
    eco = runtimes.ecosystems().get(ch.ecosystem or "") if ch.category == "package" else None
    if eco is None or eco.pin is None or ch.kind == "removed" or not ch.b:
        return recreate
    pin = eco.pin(ch.name, ch.b)
    return f"add {pin} to {deps} and run `devparity lock`, accept it in [check].allow, or {recreate}"


def _env_finding(ch: Change, c: ContainerFacts, facts: Facts, recreate: str) -> tuple[str, str] | None:
    """(message, fix) for an env change, None when [dev] or the process's
    [processes.NAME].env declares it. Values are the fingerprint's, whose
    secret-looking names are masked already."""
    here = f"the {c.label} container"
    if c.process is not None and ch.name in c.declared_env:
        declared = mask_env({ch.name: c.declared_env[ch.name]})[ch.name]
        if ch.b == declared:
            return None
        return (
            f"env {ch.name} is {value(ch.b)} in {here}, but [processes.{c.process}].env declares {value(declared)}",
            f"restart it with the current config: `devparity up {c.role}`",
        )
    if c.role == "dev":
        if ch.name in DEV_OVERLAY_ENV or ch.name.startswith(DEV_OVERLAY_PREFIX):
            return None
        if ch.name in facts.dev_env:
            # check masks dev_env with the fingerprints' salt; masking is idempotent
            declared = mask_env({ch.name: facts.dev_env[ch.name]})[ch.name]
            if ch.b == declared:
                return None
            return (
                f"env {ch.name} is {value(ch.b)} in {here}, but [dev].env declares {value(declared)}",
                "restart it with the current config: `devparity up dev`",
            )
        return (
            describe(ch, "its image", here) + " (not declared in [dev].env)",
            f"declare it in [dev].env (dev only) or [app].env (both, then `devparity lock`), or {recreate}",
        )
    return (
        describe(ch, "its image", here),
        f"set it in [app].env and run `devparity lock` (dev and prod alike), or {recreate}",
    )


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/")
    if not root:
        return True
    return path == root or path.startswith(root + "/")


def package_trees(ecosystem: str) -> tuple[str, ...]:
    """The paths ``ecosystem``'s package manager writes (fnmatch patterns)."""
    eco = runtimes.ecosystems().get(ecosystem)
    return eco.trees if eco else OS_PACKAGE_TREES.get(ecosystem, ())


def fold_changes(
    changes: Iterable[Mapping[str, Any]], mounts: Iterable[str], home: str | None, ecosystems: Iterable[str]
) -> list[tuple[str, str]]:
    """Writable-layer changes worth a finding each, as sorted (path, kind).

    An added (or deleted) directory stands for everything below it;
    directories the engine creates as mount points are the mounts' doing;
    the dev user's cache under HOME is scratch; and package-manager trees
    are folded into the package findings of their ecosystem.
    """
    kinds = {str(c["path"]): str(c["kind"]) for c in changes}
    mounts = [m for m in mounts if m]
    patterns = [p for eco in ecosystems for p in package_trees(eco)]
    out = []
    for path, kind in sorted(kinds.items()):
        parent = path.rsplit("/", 1)[0] or "/"
        if kind in ("A", "D") and kinds.get(parent) == kind:
            continue
        if any(_under(m, path) for m in mounts):
            continue
        if home and home.rstrip("/") and (path == home.rstrip("/") or _under(path, home.rstrip("/") + "/.cache")):
            continue
        if home == "/" and _under(path, "/.cache"):
            continue
        if any(fnmatch.fnmatchcase(path, p) for p in patterns):
            continue
        out.append((path, kind))
    return out
