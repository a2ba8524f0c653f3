"""A container's writable-layer changes read from its overlay2 upper dir,
when the engine's storage is on this machine, instead of the changes API.

Why: for overlay2 the engine answers ``GET /containers/{id}/changes`` with
its "naive" diff (moby daemon/graphdriver/fsdiff.go, used by overlay2 since
moby ac5d363e, 2018, because the overlay-native walk mishandles opaque
directories): it mounts the container's layer and its init layer and
compares the two whole trees (pkg/archive ChangesDirs). Two overlay mounts
never share a device number, so its inode pruning never applies: every
file of the image is stat'ed twice, ~0.3 s for python:3.11-slim, over 1 s
for an image with numpy, pandas and scipy, per container, per check.

Every difference between those two trees lies under the upper dir: a path
that has no entry there is the very same lower file in both mounts. So
this module walks the upper dir only and computes, for those paths, what
ChangesDirs computes over the two mounted trees: it is a port of moby's
``FileInfo.addChanges`` and ``statDifferent`` (pkg/archive changes.go,
changes_unix.go, v20.10 to now), applied to a model of the two overlay
mounts (``new``: upper over the lowers; ``old``: the lowers, the init
layer's diff on top) that follows the kernel's lookup rules: a whiteout
(a 0/0 character device) hides the name below it, an opaque directory
(xattr ``trusted.overlay.opaque`` = ``y``) and a non-directory stop the
layers below. tests/integration/test_upperdir_engine.py holds the result
equal to the API's for adds, content and mode changes, deletes, opaque,
renamed and replaced directories, bind mounts and tmpfs.

What the model does not cover raises Unsupported and the caller asks the
API: redirect and metacopy xattrs (the kernel's redirect_dir and metacopy
features), user.overlay.* xattrs (a rootless engine's userxattr mounts),
xattr whiteouts, names that are not UTF-8 (the API would mangle them).
Filesystem access goes through ``Tree`` so the decisions are unit-tested
on a fake tree (tests/engine/test_upperdir.py).
"""

from __future__ import annotations

import errno
import os
import stat as st
from dataclasses import dataclass
from typing import Protocol

MODIFY, ADD, DELETE = "C", "A", "D"  # moby's ChangeType strings
_OPAQUE = "trusted.overlay.opaque"
_CAPABILITY = "security.capability"
# The overlay xattrs that change what a path means in ways this model does
# not follow; seeing one sends the caller to the API.
_UNSUPPORTED_XATTRS = ("trusted.overlay.redirect", "trusted.overlay.metacopy", "trusted.overlay.whiteout")


class Unsupported(Exception):
    """The layers hold something the model does not follow: ask the API."""


@dataclass(frozen=True)
class Stat:
    """The lstat fields moby's statDifferent compares."""

    mode: int  # st_mode with the file type bits, as Go's StatT.Mode()
    uid: int
    gid: int
    rdev: int
    size: int
    mtime_ns: int

    @property
    def is_dir(self) -> bool:
        return st.S_ISDIR(self.mode)

    @property
    def is_whiteout(self) -> bool:
        return st.S_ISCHR(self.mode) and self.rdev == 0


class Tree(Protocol):
    """Filesystem access (os on the real layers; a dict in unit tests)."""

    def lstat(self, path: str) -> Stat | None: ...  # None when missing
    def listdir(self, path: str) -> list[str]: ...
    def xattrs(self, path: str) -> dict[str, bytes]: ...  # only those named in this module


def same_fs_time(a_ns: int, b_ns: int) -> bool:
    """moby's sameFsTimeSpec: the same second, and the same nanoseconds or
    either of them 0 (tar drops sub-second times)."""
    a_sec, a_nsec = divmod(a_ns, 10**9)
    b_sec, b_nsec = divmod(b_ns, 10**9)
    return a_sec == b_sec and (a_nsec == b_nsec or a_nsec == 0 or b_nsec == 0)


def stat_different(old: Stat, new: Stat) -> bool:
    """moby's statDifferent: mode (with type), owner and rdev; size and
    mtime for non-directories only."""
    if (old.mode, old.uid, old.gid, old.rdev) != (new.mode, new.uid, new.gid, new.rdev):
        return True
    return not old.is_dir and (not same_fs_time(old.mtime_ns, new.mtime_ns) or old.size != new.size)


def is_opaque(xattrs: dict[str, bytes]) -> bool:
    """Whether a directory hides the layers below it; an opaque value other
    than ``y`` (the kernel's ``x``: a directory holding xattr whiteouts)
    or a userxattr-mode marker is beyond this model."""
    if any(k.startswith("user.overlay.") or k in _UNSUPPORTED_XATTRS for k in xattrs):
        raise Unsupported("an overlay feature this reader does not model")
    value = xattrs.get(_OPAQUE)
    if value is None:
        return False
    if value != b"y":
        raise Unsupported("an opaque marker other than 'y'")
    return True


@dataclass(frozen=True)
class _Lower:
    """A path in the lowers' merged view: the top-most entry, and for a
    directory the real directories merged there, top first."""

    path: str
    stat: Stat
    stack: tuple[str, ...]


def _lower_child(tree: Tree, stack: tuple[str, ...], name: str) -> _Lower | None:
    """The kernel's lookup of ``name`` in a merged directory: the first
    layer holding it gives its attributes; a whiteout hides it (or ends the
    merge below a directory found higher up), as does a non-directory; an
    opaque directory is the last layer merged."""
    top: tuple[str, Stat] | None = None
    dirs: list[str] = []
    for layer_dir in stack:
        path = os.path.join(layer_dir, name)
        found = tree.lstat(path)
        if found is None:
            continue
        if found.is_whiteout or (top is not None and not found.is_dir):
            break
        if top is None:
            top = (path, found)
        if not found.is_dir:
            break
        dirs.append(path)
        if is_opaque(tree.xattrs(path)):
            break
    return None if top is None else _Lower(top[0], top[1], tuple(dirs))


def _lower_names(tree: Tree, stack: tuple[str, ...]) -> list[str]:
    """The names a merged directory of the lowers lists (readdir)."""
    seen: set[str] = set()
    visible: list[str] = []
    for layer_dir in stack:
        for name in tree.listdir(layer_dir):
            if name in seen:
                continue
            seen.add(name)
            found = tree.lstat(os.path.join(layer_dir, name))
            if found is not None and not found.is_whiteout:
                visible.append(name)
    return visible


def changes(tree: Tree, upper: str, lowers: tuple[str, ...]) -> list[tuple[str, str]]:
    """(path, kind) for what the changes API reports of a container whose
    layer is ``upper`` over ``lowers`` (top first: the init layer's diff,
    then the image's layers), in no particular order. Raises Unsupported
    (or OSError) when the caller must ask the API."""
    out: list[tuple[str, str]] = []
    _add_changes(tree, "/", upper, _Lower("", Stat(st.S_IFDIR, 0, 0, 0, 0, 0), lowers), True, False, out)
    for path, _kind in out:
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            raise Unsupported("a name that is not UTF-8") from None
    return out


def _add_changes(
    tree: Tree, path: str, real: str, old: _Lower | None, merged: bool, added: bool, out: list[tuple[str, str]]
) -> None:
    """moby's FileInfo.addChanges for the directory ``path`` of the new tree
    (upper dir ``real``), against ``old``, its entry in the lowers' view.
    ``merged``: the new tree merges the lowers here (no opaque directory,
    whiteout or non-directory above it): a name of the lowers with no
    upper entry is then the same file in both trees, with no change to
    report. ``added``: this directory was itself reported A or C."""
    size_at_entry = len(out)
    old_stack = old.stack if old is not None else ()  # a non-directory has none
    upper_names: set[str] = set()  # what the new tree lists here (whiteouts hide, so not those)
    whited: set[str] = set()
    for name in sorted(tree.listdir(real)):
        child_real = os.path.join(real, name)
        child_path = os.path.join(path, name)
        new = tree.lstat(child_real)
        if new is None:  # gone since the listing
            continue
        xattrs = tree.xattrs(child_real)
        old_child = _lower_child(tree, old_stack, name) if old_stack else None
        if new.is_whiteout:
            is_opaque(xattrs)  # unsupported markers only
            whited.add(name)
            if old_child is not None:
                out.append((child_path, DELETE))
            continue
        upper_names.add(name)
        child_added = False
        if old_child is None:
            out.append((child_path, ADD))
            child_added = True
        elif stat_different(old_child.stat, new) or xattrs.get(_CAPABILITY, b"") != tree.xattrs(old_child.path).get(_CAPABILITY, b""):
            out.append((child_path, MODIFY))
            child_added = True
        if new.is_dir:
            opaque = is_opaque(xattrs)
            child_merged = merged and not opaque and old_child is not None and old_child.stat.is_dir
            _add_changes(tree, child_path, child_real, old_child, child_merged, child_added, out)
        elif any(k in _UNSUPPORTED_XATTRS for k in xattrs):
            raise Unsupported("an overlay feature this reader does not model")
    if not merged and old_stack:
        # nothing of the lowers shows through here: what they list and the
        # upper dir does not is deleted (whiteouts were reported above)
        for name in _lower_names(tree, old_stack):
            if name not in upper_names and name not in whited:
                out.append((os.path.join(path, name), DELETE))
    if len(out) > size_at_entry and not added and path != "/":
        out.insert(size_at_entry, (path, MODIFY))


class OsTree:
    """Tree on the real filesystem."""

    def lstat(self, path: str) -> Stat | None:
        try:
            s = os.lstat(path)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise
        return Stat(s.st_mode, s.st_uid, s.st_gid, s.st_rdev, s.st_size, s.st_mtime_ns)

    def listdir(self, path: str) -> list[str]:
        return os.listdir(path)

    def xattrs(self, path: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for name in os.listxattr(path, follow_symlinks=False):
            if name in (_OPAQUE, _CAPABILITY) or name in _UNSUPPORTED_XATTRS or name.startswith("user.overlay."):
                try:
                    out[name] = os.getxattr(path, name, follow_symlinks=False)
                except OSError as exc:
                    if exc.errno != errno.ENODATA:  # removed since the listing
                        raise
        return out


ENV = "DEVPARITY_CHANGES"  # "api": always ask the engine (an escape hatch, and for tests)
_DRIVER = "overlay2"


def layers_here(driver: str, upper: str, lowers: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """(upper, lowers) when this process may read them as the engine's
    own storage, else None (ask the API): the overlay2 driver; root, as
    ``trusted.*`` xattrs (the opaque marker) read as absent to anyone else;
    and every directory present here. The upper dir's path holds the
    layer's random 64-hex id, so finding it means the engine's storage is
    this machine's: a remote engine's paths do not exist here."""
    if os.environ.get(ENV, "").strip().lower() == "api":
        return None
    if driver != _DRIVER or not upper or not lowers:
        return None
    if not hasattr(os, "listxattr") or os.geteuid() != 0:
        return None
    if not os.path.isdir(upper) or not all(os.path.isdir(d) for d in lowers):
        return None
    return upper, lowers


def read(driver: str, upper: str, lowers: tuple[str, ...]) -> list[tuple[str, str]] | None:
    """The changes as the API reports them, read from the layers, or None
    when the caller must ask the API (see ``layers_here``; a layer that
    vanished or changed under the walk, or anything ``Unsupported``)."""
    here = layers_here(driver, upper, lowers)
    if here is None:
        return None
    try:
        return changes(OsTree(), *here)
    except (OSError, Unsupported, RecursionError):  # RecursionError: a tree nested ~1,000 deep
        return None
