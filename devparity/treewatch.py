"""The source hash of an unchanged tree without walking it, the way git's
fsmonitor spares `git status` its lstat of every file (issue 10: a no-op
`build` or `check` at 100,000 files within 1.5x of a 5-file project).

Knowing that nothing changed takes either a stat of every file (100,000
lstat calls are 0.2 s of CPU here: the floor of any walk, and more than the
whole 5-file command) or someone who watched. After a walk of a large tree
(``MIN_FILES``), the command starts a watcher (devparity.treewatch_daemon)
that puts an inotify watch on every directory the build context enters,
then hashes the tree again and keeps the answer only when it equals the
walk's: so nothing that changed before the watches were in place slips
through. The next command asks it over a Unix socket; the watcher looks
at its inotify queue (a write is queued there before the writer's system
call returns) and answers the hash only when the queue is empty. Any event
under a watched directory (an edit, a chmod, a new or removed entry, a
queue overflow) ends the watcher: the next command walks and starts a new
one. Not watched, so never trusted: filesystems where a change can come
from elsewhere (NFS, FUSE, 9p: ``LOCAL_FS`` only) and writes through
mmap, which inotify does not report (as for git's fsmonitor).

``DEVPARITY_TREEWATCH=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

from devparity.cache import cache_dir
from devparity.errors import UsageError

VERSION = 1  # bump with any change to what the source hash covers (devparity.inputs.source_hash)
MIN_FILES = 5_000  # below this a walk costs less than starting a watcher
ASK_TIMEOUT = 2.0
# Filesystems whose every change goes through this kernel (so inotify sees it).
LOCAL_FS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "f2fs", "zfs", "bcachefs", "overlay"})


def enabled() -> bool:
    return os.environ.get("DEVPARITY_TREEWATCH", "1") != "0" and sys.platform == "linux"


def address(root: Path, include: Sequence[str]) -> str:
    """The watcher's socket (Linux abstract namespace: no file to leave
    behind), named after everything its answer depends on."""
    try:
        cache = str(cache_dir())
    except (OSError, UsageError):
        cache = ""
    parts = json.dumps([VERSION, os.getuid(), str(root), list(include), cache])
    return "\0devparity-treewatch-" + hashlib.sha256(parts.encode()).hexdigest()[:32]


def ask(root: Path, include: Sequence[str]) -> str | None:
    """The source hash from a watcher that saw no change since it checked
    it, or None (no watcher, a change, not ours, any failure)."""
    if not enabled():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(ASK_TIMEOUT)
            sock.connect(address(root, include))
            # Abstract sockets have no file permissions: only a watcher run
            # by this user is believed.
            creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            if struct.unpack("3i", creds)[1] != os.getuid():
                return None
            sock.sendall(b"hash\n")
            answer = _read_all(sock)
    except OSError:
        return None
    word, _, value = answer.partition(" ")
    return value if word == "clean" and value.startswith("sha256:") else None


def stop(root: Path, include: Sequence[str]) -> None:
    """Ask the watcher of ``root`` to end (tests; a daemon also ends on its own)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(ASK_TIMEOUT)
        sock.connect(address(root, include))
        sock.sendall(b"stop\n")
        _read_all(sock)


def _read_all(sock: socket.socket) -> str:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data.decode("ascii", "replace").strip()


def start(root: Path, include: Sequence[str], source_hash: str, files: int) -> None:
    """Start a watcher for ``root`` whose walk found ``files`` files hashing
    to ``source_hash``, in the background (its own session, stdio on
    /dev/null: a caller capturing output does not wait for it). A small tree,
    a filesystem inotify cannot vouch for, or no way to start: no watcher."""
    if not enabled() or files < MIN_FILES or filesystem(root) not in LOCAL_FS:
        return
    argv = [sys.executable, "-m", "devparity.treewatch_daemon", str(root), json.dumps(list(include)), source_hash]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    # posix_spawn, not Popen: nothing to wait for, and no Popen object that
    # warns at exit about a child still running (the watcher outlives us).
    null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    with contextlib.suppress(OSError):
        os.posix_spawn(sys.executable, argv, env, file_actions=null, setsid=True)


def filesystem(path: Path, mountinfo: str | None = None) -> str:
    """The type of the filesystem ``path`` lives on (``mountinfo``, by
    default /proc/self/mountinfo: the longest mount point that holds it),
    or "" when unknown."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    lines = mountinfo.splitlines()
    target = os.path.realpath(path)
    best, kind = -1, ""
    for line in lines:
        fields = line.split(" ")
        try:
            sep = fields.index("-")
            mount = fields[4].encode().decode("unicode_escape")  # \040 for a space
            fstype = fields[sep + 1]
        except (ValueError, IndexError, UnicodeDecodeError):
            continue
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= best:
            best, kind = len(mount), fstype
    return kind
