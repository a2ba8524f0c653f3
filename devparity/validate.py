"""The grammars every value must meet before it reaches a Dockerfile, a shell
or a label (issue 7). Pure: each check returns None when the value is fine,
else the reason as a phrase that never quotes the value (a config value can
be a secret, and a control character would split the error line).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from pathlib import PurePosixPath

from devparity import runtimes

# POSIX names: what `ENV`, `ARG` and a shell accept without quoting.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Debian policy 5.6.1 (name, at least two characters), an optional
# :arch qualifier, and an optional =version (5.6.12: digits first).
DEB_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[0-9][A-Za-z0-9.+~:-]*)?")
# useradd's default NAME_REGEX (a trailing `$` for machine accounts left out).
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# distribution/reference: a repository path component and a whole reference.
PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
IMAGE_REF = re.compile(
    rf"(?:(?:{_DOMAIN}|\[[0-9a-fA-F:]+\](?::[0-9]+)?)/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# Repository names are at most 255 characters; devparity's image repository
# is `devparity/<name>` and container names add a role suffix.
PROJECT_NAME_MAX = 128
NETWORK_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# Dependency files reach `COPY` and a shell (`<installer> -r FILE`): only
# POSIX portable file name characters, so no quoting can go wrong.
DEP_FILE = re.compile(r"[A-Za-z0-9._@+=,/-]+")

# Linux signal names a reload may send (kill -s NAME in the container).
SIGNALS = frozenset(
    "HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP "
    "TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS".split()
)
# capabilities(7), as of Linux 6.x.
CAPABILITIES = frozenset(
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
    "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT "
    "SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE "
    "AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ "
    "PERFMON BPF CHECKPOINT_RESTORE".split()
)

# Paths the workdir must not overlap: the dependency trees devparity installs,
# its own mount points in the dev container, and the system's directories
# (the dev bind mount over the workdir would hide them).
RESERVED_TREES = (*runtimes.image_dirs(), "/.devparity", "/tmp/devparity-home")
SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev", "/boot", "/run")
# ... except the conventional source locations under /usr.
SYSTEM_EXCEPTIONS = ("/usr/src", "/usr/local/src")


def control_char(text: str) -> bool:
    """True when ``text`` holds a control character or a Unicode line break:
    anything that could end a Dockerfile line or forge an output line."""
    return any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029\u0085" for c in text)


def env_name(name: str) -> str | None:
    return None if ENV_NAME.fullmatch(name) else "holds a name that is not a POSIX name (letters, digits and _, no digit first)"


def package(spec: str) -> str | None:
    if DEB_PACKAGE.fullmatch(spec):
        return None
    return "holds an entry that is not a Debian package name (lowercase letters, digits, + - ., optional =version)"


def user(name: str) -> str | None:
    if not USER_NAME.fullmatch(name):
        return "must be a user name: lowercase letters, digits, _ and -, starting with a letter or _, at most 32"
    if name == "root":
        return "must not be root: the prod image runs as a non-root user"
    return None


def image_ref(ref: str) -> str | None:
    if len(ref.split("@", 1)[0]) > 255 or not IMAGE_REF.fullmatch(ref):
        return "is not an image reference ([registry/]name[:tag][@sha256:<64 hex>], lowercase name)"
    return None


def project_name(name: str) -> str | None:
    if len(name) > PROJECT_NAME_MAX or not re.fullmatch(PATH_COMPONENT, name.lower()):
        return (
            f"must be letters and digits joined by single '.', '_', '__' or '-' runs "
            f"(no separator first or last, at most {PROJECT_NAME_MAX} characters)"
        )
    return None


def suggest_project_name(dirname: str) -> str:
    """A valid project name made from a directory name (for `init`)."""
    name = re.sub(r"[^a-z0-9]+", "-", dirname.lower())[:PROJECT_NAME_MAX].strip("-")
    return name or "app"


def reload(mode: str) -> str | None:
    if mode in ("restart", "none"):
        return None
    if mode.startswith("signal:") and mode.removeprefix("signal:") in SIGNALS:
        return None
    return 'must be "restart", "none" or "signal:NAME" with NAME a signal such as HUP or USR1'


SOURCES = ("auto", "mount", "sync")


def dev_source(mode: str) -> str | None:
    """[dev].source (issue 9)."""
    return None if mode in SOURCES else 'must be "auto", "mount" or "sync"'


def _overlaps(a: PurePosixPath, b: PurePosixPath) -> bool:
    return a == b or a in b.parents or b in a.parents


def workdir(path: str) -> str | None:
    p = PurePosixPath(path)
    if not p.is_absolute() or ".." in p.parts:
        return "must be an absolute path without '..'"
    if p == PurePosixPath("/"):
        return "must not be /"
    for tree in RESERVED_TREES:
        if _overlaps(p, PurePosixPath(tree)):
            return f"must not be at, above or under {tree} (devparity uses it)"
    for tree in SYSTEM_TREES:
        if _overlaps(p, PurePosixPath(tree)) and not any(p.is_relative_to(e) and p != PurePosixPath(e) for e in SYSTEM_EXCEPTIONS):
            return f"must not be at, above or under the system directory {tree} (use e.g. /app)"
    return None


def host(address: str) -> str | None:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return "must be an IP address such as 127.0.0.1 or 0.0.0.0"
    return None


def capability(name: str) -> str | None:
    if name.upper().removeprefix("CAP_") in CAPABILITIES:
        return None
    return "holds an entry that is not a Linux capability name (see capabilities(7), e.g. NET_BIND_SERVICE)"


def network(name: str) -> str | None:
    return None if name == "" or NETWORK_NAME.fullmatch(name) else "must be a network name such as host, bridge or none"


def project_path(rel: str, *, dep_file: bool = False) -> str | None:
    """A path relative to the project root that stays inside it."""
    p = PurePosixPath(rel)
    if rel.strip() in ("", ".") or rel.endswith("/") or p.is_absolute() or ".." in p.parts or p == PurePosixPath("."):
        return "must hold paths inside the project, relative to its root (not empty, '.', absolute or with '..')"
    if dep_file and not DEP_FILE.fullmatch(rel):
        return "must hold file names made of letters, digits and . _ - + @ = , / only"
    return None


# A registry as `devparity push` takes it: host[:port], optionally followed
# by a namespace path (`127.0.0.1:5000`, `ghcr.io/acme`).
REGISTRY = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*", re.ASCII)


def registry(value: str) -> str | None:
    if len(value) > 200 or not REGISTRY.fullmatch(value):
        return "must be a registry such as 127.0.0.1:5000 or ghcr.io/acme (host[:port][/namespace])"
    return None


def check_target(value: str) -> str | None:
    from devparity.targetref import TargetError, parse

    try:
        parse(value)
    except TargetError as exc:
        return f"holds an entry that {exc.reason}"
    return None
