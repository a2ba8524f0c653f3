"""The upper-dir reader's decisions (devparity.engine.upperdir) on a fake
tree: what moby's naive diff of the two overlay mounts reports, worked out
by hand for each case. The equality with the real engine's changes API is
tests/integration/test_upperdir_engine.py."""

from __future__ import annotations

import stat as st
from pathlib import Path

import pytest

from devparity.engine import upperdir
from devparity.engine.upperdir import Stat, Unsupported

T0 = 1_600_000_000 * 10**9  # the image's mtime, whole seconds (from a tar)


def _dir(mode: int = 0o755, mtime: int = T0) -> Stat:
    return Stat(st.S_IFDIR | mode, 0, 0, 0, 4096, mtime)


def _file(size: int = 10, mode: int = 0o644, mtime: int = T0, uid: int = 0) -> Stat:
    return Stat(st.S_IFREG | mode, uid, 0, 0, size, mtime)


WHITEOUT = Stat(st.S_IFCHR, 0, 0, 0, 0, T0)
OPAQUE = {"trusted.overlay.opaque": b"y"}


class FakeTree:
    """Paths under /up (the upper dir), /l0 (the init layer), /l1 (the image)."""

    def __init__(self, entries: dict[str, Stat], xattrs: dict[str, dict[str, bytes]] | None = None) -> None:
        self.entries = {"/up": _dir(), "/l0": _dir(), "/l1": _dir(), **entries}
        self.attrs = xattrs or {}

    def lstat(self, path: str) -> Stat | None:
        return self.entries.get(path)

    def listdir(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return [p[len(prefix):] for p in self.entries if p.startswith(prefix) and "/" not in p[len(prefix):]]

    def xattrs(self, path: str) -> dict[str, bytes]:
        return self.attrs.get(path, {})


def changes(tree: FakeTree) -> list[tuple[str, str]]:
    return sorted(upperdir.changes(tree, "/up", ("/l0", "/l1")))


IMAGE = {"/l1/etc": _dir(), "/l1/etc/a": _file(), "/l1/etc/b": _file(), "/l1/etc/sub": _dir(), "/l1/etc/sub/c": _file()}


def test_an_added_file_marks_its_existing_parent_changed() -> None:
    tree = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/new": _file(), "/up/top": _file()})
    assert changes(tree) == [("/etc", "C"), ("/etc/new", "A"), ("/top", "A")]


def test_new_directories_are_added_with_everything_in_them() -> None:
    tree = FakeTree({**IMAGE, "/up/n": _dir(), "/up/n/m": _dir(), "/up/n/m/f": _file()})
    assert changes(tree) == [("/n", "A"), ("/n/m", "A"), ("/n/m/f", "A")]


def test_a_copied_up_file_is_changed_only_when_its_stat_differs() -> None:
    same = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": _file()})
    assert changes(same) == []  # a copy-up alone (chmod to the same mode)
    sub_second = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": _file(mtime=T0 + 5)})
    assert changes(sub_second) == []  # the same second, one side without nanoseconds
    for changed in (_file(size=11), _file(mode=0o600), _file(mtime=T0 + 10**9), _file(uid=1)):
        tree = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": changed})
        assert changes(tree) == [("/etc", "C"), ("/etc/a", "C")]


def test_a_directory_is_compared_without_size_and_mtime() -> None:
    newer = FakeTree({**IMAGE, "/up/etc": _dir(mtime=T0 + 10**9 + 7)})
    assert changes(newer) == []
    chmodded = FakeTree({**IMAGE, "/up/etc": _dir(mode=0o700)})
    assert changes(chmodded) == [("/etc", "C")]


def test_a_capability_change_alone_is_a_change() -> None:
    tree = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": _file()}, {"/up/etc/a": {"security.capability": b"\x01"}})
    assert changes(tree) == [("/etc", "C"), ("/etc/a", "C")]


def test_a_whiteout_deletes_what_the_lowers_show_and_nothing_else() -> None:
    tree = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": WHITEOUT, "/up/etc/sub": WHITEOUT, "/up/etc/never": WHITEOUT})
    assert changes(tree) == [("/etc", "C"), ("/etc/a", "D"), ("/etc/sub", "D")]  # not /etc/sub/c


def test_an_opaque_directory_deletes_each_image_entry_it_hides() -> None:
    tree = FakeTree(
        {**IMAGE, "/up/etc": _dir(), "/up/etc/sub": _dir(), "/up/etc/x": _file(), "/up/etc/b": _file()},
        {"/up/etc": OPAQUE},
    )
    # /etc/sub exists on both sides, but its /etc/sub/c no longer shows
    assert changes(tree) == [("/etc", "C"), ("/etc/a", "D"), ("/etc/sub", "C"), ("/etc/sub/c", "D"), ("/etc/x", "A")]


def test_a_file_replaced_by_a_directory_and_back() -> None:
    tree = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": _dir(), "/up/etc/a/f": _file(), "/up/etc/sub": _file()}, {"/up/etc/a": OPAQUE})
    assert changes(tree) == [("/etc", "C"), ("/etc/a", "C"), ("/etc/a/f", "A"), ("/etc/sub", "C")]


def test_the_lowers_merge_as_the_kernel_merges_them() -> None:
    lowers = {
        **IMAGE,
        "/l0/etc": _dir(), "/l0/etc/b": WHITEOUT,  # the init layer deleted /etc/b
        "/l0/etc/sub": _dir(), "/l0/etc/sub/d": _file(),  # merged with /l1/etc/sub
    }
    tree = FakeTree({**lowers, "/up/etc": _dir(), "/up/etc/b": _file(), "/up/etc/sub": _dir()}, {"/up/etc/sub": OPAQUE})
    assert changes(tree) == [("/etc", "C"), ("/etc/b", "A"), ("/etc/sub", "C"), ("/etc/sub/c", "D"), ("/etc/sub/d", "D")]
    tree = FakeTree(lowers, {"/l0/etc/sub": OPAQUE})  # opaque in the init layer: /l1's sub is hidden
    sub = upperdir._lower_child(tree, ("/l0/etc", "/l1/etc"), "sub")
    assert sub is not None and sub.stack == ("/l0/etc/sub",)
    assert upperdir._lower_names(tree, sub.stack) == ["d"]


def test_overlay_features_beyond_the_model_are_unsupported() -> None:
    for attrs in ({"trusted.overlay.redirect": b"/x"}, {"trusted.overlay.opaque": b"x"}, {"user.overlay.opaque": b"y"}):
        tree = FakeTree({**IMAGE, "/up/etc": _dir()}, {"/up/etc": attrs})
        with pytest.raises(Unsupported):
            upperdir.changes(tree, "/up", ("/l0", "/l1"))
    metacopy = FakeTree({**IMAGE, "/up/etc": _dir(), "/up/etc/a": _file()}, {"/up/etc/a": {"trusted.overlay.metacopy": b""}})
    with pytest.raises(Unsupported):
        upperdir.changes(metacopy, "/up", ("/l0", "/l1"))
    not_utf8 = FakeTree({**IMAGE, "/up/caf\udce9": _file()})
    with pytest.raises(Unsupported):
        upperdir.changes(not_utf8, "/up", ("/l0", "/l1"))


def test_same_fs_time() -> None:
    assert upperdir.same_fs_time(T0 + 5, T0 + 5)
    assert upperdir.same_fs_time(T0, T0 + 999_999_999)  # one side from a tar: whole seconds
    assert not upperdir.same_fs_time(T0 + 5, T0 + 6)
    assert not upperdir.same_fs_time(T0, T0 + 10**9)


def test_layers_are_read_only_where_they_can_be_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    up, low = tmp_path / "up", tmp_path / "low"
    up.mkdir()
    low.mkdir()
    monkeypatch.delenv(upperdir.ENV, raising=False)
    monkeypatch.setattr(upperdir.os, "geteuid", lambda: 0)
    assert upperdir.layers_here("overlay2", str(up), (str(low),)) == (str(up), (str(low),))
    assert upperdir.layers_here("overlay", str(up), (str(low),)) is None  # another driver
    assert upperdir.layers_here("overlay2", str(up), ()) is None
    assert upperdir.layers_here("overlay2", str(tmp_path / "gone"), (str(low),)) is None  # another machine's
    assert upperdir.layers_here("overlay2", str(up), (str(low), str(tmp_path / "gone"))) is None
    monkeypatch.setenv(upperdir.ENV, "api")
    assert upperdir.layers_here("overlay2", str(up), (str(low),)) is None
    monkeypatch.delenv(upperdir.ENV)
    monkeypatch.setattr(upperdir.os, "geteuid", lambda: 1000)  # trusted.* xattrs read as absent
    assert upperdir.layers_here("overlay2", str(up), (str(low),)) is None
