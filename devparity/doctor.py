"""`devparity doctor` (issue 11): can this machine run devparity, and what to
do if not. Facts in, checks out, no I/O: each function turns what was
measured (devparity.commands.doctor asks the engine and the host) into one
Check with a status and, when not ok, one line saying what to do.

A ``problem`` keeps devparity from working (exit 1); a ``warning`` is worth
knowing but does not (a registry this machine cannot reach while the local
copies are there, a clock a little off); ``skipped`` says why a check could
not run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from devparity.errors import EXIT_DRIFT, EXIT_OK

SCHEMA = 1  # the --json document's version (docs/formats.md)
OK, WARNING, PROBLEM, SKIPPED = "ok", "warning", "problem", "skipped"

# Drivers that work but hurt: vfs copies every layer whole (slow, large);
# aufs and devicemapper are deprecated and gone from current engines.
_SLOW_DRIVERS = {"vfs": "copies every layer in full (slow builds, large disk use)"}
_DEPRECATED_DRIVERS = ("aufs", "devicemapper", "overlay")
CLOCK_SKEW_WARN = 5.0  # seconds: beyond this, build caches and TLS start to notice


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warning | problem | skipped
    detail: str
    fix: str | None = None


def exit_code(checks: Iterable[Check]) -> int:
    return EXIT_DRIFT if any(c.status == PROBLEM for c in checks) else EXIT_OK


def document(checks: Sequence[Check], *, project: str | None, config: str | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "ready": exit_code(checks) == EXIT_OK,
        "project": project,
        "config": config,
        "checks": [asdict(c) for c in checks],
    }


def engine(address: str, version: str | None, api: str | None, error: str | None, hint: str | None) -> Check:
    if error is not None:
        return Check("engine", PROBLEM, error, hint or "start the Docker engine, or point DOCKER_HOST at a running one")
    return Check("engine", OK, f"{address}: Docker {version}, API {api}")


def storage(driver: str) -> Check:
    if driver in _SLOW_DRIVERS:
        return Check("storage", WARNING, f"storage driver {driver} {_SLOW_DRIVERS[driver]}", "configure overlay2 in the engine's daemon.json (\"storage-driver\")")
    if driver in _DEPRECATED_DRIVERS:
        return Check("storage", WARNING, f"storage driver {driver} is deprecated", "configure overlay2 in the engine's daemon.json (\"storage-driver\")")
    return Check("storage", OK, f"storage driver {driver}")


def sees(source: str, root: str, seen: bool | None, why: str | None = None) -> Check:
    """``source`` is [dev].source; ``seen`` whether the engine saw a file of
    ``root`` through a bind mount (None: not probed, ``why`` says why)."""
    if source == "sync":
        return Check("project-dir", OK, f"[dev].source is sync: the engine need not see {root}")
    if seen is None:
        return Check("project-dir", SKIPPED, why or "not probed")
    if seen:
        return Check("project-dir", OK, f"the engine sees {root} (bind mounts work)")
    if source == "mount":
        return Check(
            "project-dir",
            PROBLEM,
            f"the engine cannot see {root}, and [dev].source is mount",
            "set [dev].source = \"auto\" (or \"sync\") in devparity.toml, or share this directory with the engine's host",
        )
    return Check("project-dir", OK, f"the engine cannot see {root}: `up` will sync it into the dev container ([dev].source auto)")


def inotify(limit: int | None, dirs: int) -> Check:
    """``dirs`` the watcher would watch (ignored trees left out) against
    fs.inotify.max_user_watches, which every watcher of this user shares."""
    if limit is None:
        return Check("inotify", SKIPPED, "no /proc/sys/fs/inotify/max_user_watches (not Linux): the watcher polls the platform's own way")
    if dirs >= limit:
        return Check(
            "inotify",
            PROBLEM,
            f"the project has {dirs} watched directories; fs.inotify.max_user_watches is {limit}",
            f"raise it: `sudo sysctl fs.inotify.max_user_watches={max(524288, dirs * 2)}`, or add large directories to [dev].ignore",
        )
    if dirs * 2 >= limit:
        return Check(
            "inotify",
            WARNING,
            f"the project has {dirs} watched directories, over half of fs.inotify.max_user_watches ({limit}), which editors share",
            f"raise it: `sudo sysctl fs.inotify.max_user_watches={max(524288, dirs * 4)}`",
        )
    return Check("inotify", OK, f"{dirs} watched directories, fs.inotify.max_user_watches {limit}")


def ports(wanted: Mapping[int, str], free: Mapping[int, bool], ours: Iterable[int]) -> list[Check]:
    """``wanted``: host port -> what publishes it (dev, prod, a service);
    ``free``: whether 127.0.0.1:PORT could be bound; ``ours``: host ports
    this project's own running containers publish (taken, but by us)."""
    mine = set(ours)
    out: list[Check] = []
    for port in sorted(wanted):
        what = wanted[port]
        if port in mine:
            out.append(Check("ports", OK, f"{port} ({what}) is published by this project's running container"))
        elif free.get(port, False):
            out.append(Check("ports", OK, f"{port} ({what}) is free"))
        else:
            out.append(
                Check(
                    "ports",
                    PROBLEM,
                    f"host port {port} ({what}) is in use by another program",
                    f"stop what holds it (`ss -ltnp 'sport = :{port}'`), or change the port in devparity.toml",
                )
            )
    return out


def registry(ref: str, source: str, registry_host: str, error: str | None) -> Check:
    """``source``: the lock's ``registry`` or ``local`` (an image only this
    engine has); ``error``: why the registry did not answer (None: it did)."""
    if source == "local":
        return Check("registry", OK, f"{ref} is pinned local-only (its image id): no registry to reach")
    if error is None:
        return Check("registry", OK, f"{ref}: {registry_host} answers")
    return Check(
        "registry",
        WARNING,
        f"{ref}: {registry_host} does not answer ({error}); builds use the local copy, `lock` pins it local-only",
        f"check the network or proxy to {registry_host} (`docker pull {ref}`)",
    )


def clock(skew: float | None) -> Check:
    """``skew``: engine time minus host time, in seconds (None: the engine
    did not say its time)."""
    if skew is None:
        return Check("clock", SKIPPED, "the engine did not report its time")
    if abs(skew) > CLOCK_SKEW_WARN:
        side = "ahead of" if skew > 0 else "behind"
        return Check(
            "clock",
            WARNING,
            f"the engine's clock is {abs(skew):.1f} s {side} the host's",
            "sync both clocks (NTP: `timedatectl set-ntp true`; on Docker Desktop restart it after a sleep)",
        )
    return Check("clock", OK, f"engine and host clocks agree within {CLOCK_SKEW_WARN:.0f} s ({skew:+.1f} s)")


def host_runtime(language: str, pinned: str, host: str | None, why: str | None, same: bool, managers: str) -> Check:
    """check's host rule: ``host`` is the host's version (None: ``why``),
    ``same`` whether it is the pinned release."""
    if host is None:
        return Check("host-runtime", SKIPPED, why or f"no {language} on the host")
    if same:
        return Check("host-runtime", OK, f"the host's {language} is {host}, the pinned release ({pinned})")
    return Check(
        "host-runtime",
        WARNING,
        f"the host's {language} is {host}; devparity.toml pins {pinned}",
        f"install {language} {pinned} on the host ({managers}), or run tools in the container: `devparity exec dev -- ...`",
    )


def registry_host(ref: str) -> tuple[str, int]:
    """The registry a reference names, as Docker reads it: a first component
    with a dot, a colon or ``localhost`` is a registry; else Docker Hub."""
    name = ref.split("@", 1)[0]
    first, slash, _ = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host, colon, port = first.rpartition(":") if ":" in first else (first, "", "")
        if colon and port.isdigit():
            return host, int(port)
        return first, 443
    return "registry-1.docker.io", 443
