"""The watcher devparity.treewatch starts: ``python -m
devparity.treewatch_daemon ROOT INCLUDE_JSON HASH``.

1. Walk the build context once to learn its directories; put an inotify
   watch on each (changes to its entries and to the files in it).
2. Walk and hash again, now watched: the hash must equal HASH and every
   directory entered must be watched, else nothing is vouched for (a change
   between the command's walk and the watches, or a new directory).
3. Answer on the socket treewatch.address names: ``hash`` gets ``clean
   HASH`` while the inotify queue is empty; anything in it (a write is
   queued before the writer's system call returns) ends the watcher, as
   does ``stop`` and an hour without a question.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import socket
import stat
import sys
from pathlib import Path

from devparity import inputs, treewatch
from devparity.engine import context

IDLE_S = 3600
# Changes to a watched directory's entries and to the files in it; the
# directory itself removed or moved. (Not opens and reads: ours included.)
IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_ONLYDIR, IN_DONT_FOLLOW = 0x400, 0x800, 0x01000000, 0x02000000
MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
)  # fmt: skip


FILE_MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW


def watch(libc: ctypes.CDLL, fd: int, root: Path, dirs: list[str]) -> set[str]:
    """Watch each of ``dirs`` (relative to ``root``, "" for itself); raises
    OSError when one cannot be."""
    done: set[str] = set()
    for rel in dirs:
        path = os.path.join(root, rel) if rel else str(root)
        if libc.inotify_add_watch(fd, os.fsencode(path), MASK) < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {path}")
        done.add(rel)
    return done


def verified(libc: ctypes.CDLL, fd: int, root: Path, include: list[str], expected: str, watched: set[str]) -> bool:
    """The tree, walked and hashed again under the watches, is the one
    hashed to ``expected``, and has no directory the watches miss. A file
    with other hard links gets a watch of its own first: a write through
    another of its names is reported to that name's directory, not ours."""
    entered: list[str] = []
    files = context.context_files(root, include, entered=entered)
    if not set(entered) <= watched:
        return False
    for rel in files:
        path = os.path.join(root, rel)
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1 and libc.inotify_add_watch(fd, os.fsencode(path), FILE_MASK) < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {path}")
    return inputs.source_hash(root, files) == expected


def serve(fd: int, root: Path, include: list[str], expected: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(treewatch.address(root, include))  # taken: another watcher serves this tree
    except OSError:
        return
    server.listen(8)
    while True:
        ready, _, _ = select.select([server.fileno(), fd], [], [], IDLE_S)
        if not ready or fd in ready:
            return  # idle for long, or something changed: nothing left to vouch for
        conn, _ = server.accept()
        with conn:
            conn.settimeout(treewatch.ASK_TIMEOUT)
            try:
                request = conn.recv(64).strip()
                # Everything written before the question is in the queue by now.
                changed = bool(select.select([fd], [], [], 0)[0])
                if request == b"hash" and not changed:
                    conn.sendall(f"clean {expected}\n".encode())
                    continue
                conn.sendall(b"dirty\n" if changed else b"bye\n")
            except OSError:
                continue
        return


def main(argv: list[str]) -> int:
    root, include, expected = Path(argv[0]), list(json.loads(argv[1])), argv[2]
    os.chdir("/")  # keep no project directory busy
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        return 1
    try:
        entered: list[str] = []
        context.context_files(root, include, entered=entered)
        watched = watch(libc, fd, root, entered)
        if not verified(libc, fd, root, include, expected, watched):
            return 1
        serve(fd, root, include, expected)
    except Exception:  # a tree that changed under the walk, a watch limit: vouch for nothing
        return 1
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
