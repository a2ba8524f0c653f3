"""drift.overlay: a container's fingerprint read from its image's record plus
its changes equals a full read of its files, and reads only what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from devparity.drift import overlay
from devparity.drift.sources import collect

SITE = "/usr/local/lib/python3.11/site-packages"


def _metadata(name: str, version: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n".encode()


def _dpkg(*pkgs: tuple[str, str]) -> bytes:
    return "\n".join(f"Package: {n}\nStatus: install ok installed\nVersion: {v}\n" for n, v in pkgs).encode()


class FakeFiles:
    """Files of an image or container: regular files and symlinks by path;
    counts the reads that reach it."""

    def __init__(self, files: dict[str, bytes], links: dict[str, str] | None = None) -> None:
        self.files = dict(files)
        self.links = dict(links or {})
        self.reads: list[str] = []

    def read_file(self, path: str, via: list[str] | None = None) -> bytes | None:
        self.reads.append(path)
        for _ in range(8):
            if path in self.links:
                path = self.links[path]
                if via is not None:
                    via.append(path)
                continue
            return self.files.get(path)
        return None

    def read_files(self, paths: list[str]) -> dict[str, bytes | None]:
        return {p: self.read_file(p) for p in paths}

    def read_member(self, path: str) -> bytes | None:
        self.reads.append(path)
        return self.files.get(path)

    def walk(
        self, path: str, predicate: Callable[[str], bool], max_size: int | None = None
    ) -> Iterator[tuple[str, bytes]]:
        self.reads.append(path + "/")
        base = path.rstrip("/") + "/"
        for p in sorted((p for p in self.files if p.startswith(base)), key=lambda p: p.split("/")):
            rel = p[len(base) :]
            if predicate(rel) and (max_size is None or len(self.files[p]) <= max_size):
                yield rel, self.files[p]


IMAGE = {
    "/usr/lib/os-release": b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n',
    "/var/lib/dpkg/status": _dpkg(("libc6", "2.36-9"), ("bash", "5.2-1")),
    "/opt/venv/pyvenv.cfg": b"home = /usr/local/bin\nversion = 3.11.7\n",
    "/opt/venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA": _metadata("Flask", "3.0.0"),
    "/opt/venv/lib/python3.11/site-packages/flask/__init__.py": b"",
    f"{SITE}/pip-23.0.dist-info/METADATA": _metadata("pip", "23.0"),
    f"{SITE}/pip/__init__.py": b"",
    "/usr/local/lib/python3.11/os.py": b"",
    "/usr/local/include/python3.11/patchlevel.h": b'#define PY_VERSION "3.11.7"\n',
    "/opt/deps/node_modules/left-pad/package.json": b'{"name": "left-pad", "version": "1.3.0"}',
}
LINKS = {"/etc/os-release": "/usr/lib/os-release"}


def _recorded(image: dict[str, bytes], links: dict[str, str] = LINKS) -> tuple[dict, dict]:
    recorder = overlay.Recorder(FakeFiles(image, links))
    facts = collect(recorder)
    return recorder.record("sha256:x"), facts


def _compare(
    container: dict[str, bytes], changes: list[tuple[str, str]], *, links: dict[str, str] = LINKS, mounts: tuple[str, ...] = ()
) -> list[str]:
    """Asserts overlay facts == a full read of the container; returns the live reads."""
    record, _ = _recorded(IMAGE)
    live = FakeFiles(container, links)
    got = collect(overlay.Overlay(record, live, overlay.Changes([{"path": p, "kind": k} for p, k in changes], mounts)))
    full = collect(FakeFiles(container, links))
    assert got == full
    return live.reads


def test_an_unchanged_container_is_read_from_the_record_alone() -> None:
    _record, image_facts = _recorded(IMAGE)
    reads = _compare(IMAGE, [("/tmp", "C"), ("/tmp/x", "A")])
    assert reads == []
    assert image_facts["packages"]["pip"] == {"flask": "3.0.0", "pip": "23.0"}


def test_a_package_installed_by_hand_is_read_alone() -> None:
    container = {**IMAGE, f"{SITE}/requests-2.31.0.dist-info/METADATA": _metadata("requests", "2.31.0"), f"{SITE}/requests/api.py": b""}
    changes = [
        ("/usr/local/lib/python3.11/site-packages", "C"),
        (f"{SITE}/requests-2.31.0.dist-info", "A"),
        (f"{SITE}/requests-2.31.0.dist-info/METADATA", "A"),
        (f"{SITE}/requests", "A"),
        (f"{SITE}/requests/api.py", "A"),
    ]
    reads = _compare(container, changes)
    assert reads == [f"{SITE}/requests-2.31.0.dist-info/METADATA"]


def test_an_upgrade_and_a_removal() -> None:
    container = {k: v for k, v in IMAGE.items() if "flask" not in k and "pip" not in k}
    container[f"{SITE}/pip-24.0.dist-info/METADATA"] = _metadata("pip", "24.0")
    changes = [
        ("/opt/venv/lib/python3.11/site-packages", "C"),
        ("/opt/venv/lib/python3.11/site-packages/flask", "D"),
        ("/opt/venv/lib/python3.11/site-packages/flask-3.0.0.dist-info", "D"),
        (SITE, "C"),
        (f"{SITE}/pip", "D"),
        (f"{SITE}/pip-23.0.dist-info", "D"),
        (f"{SITE}/pip-24.0.dist-info", "A"),
        (f"{SITE}/pip-24.0.dist-info/METADATA", "A"),
    ]
    _compare(container, changes)


def test_system_files_changed_in_place_and_through_a_link() -> None:
    container = {
        **IMAGE,
        "/var/lib/dpkg/status": _dpkg(("libc6", "2.36-9"), ("bash", "5.2-1"), ("curl", "7.88")),
        "/usr/lib/os-release": b"ID=debian\nVERSION_ID=13\n",
    }
    reads = _compare(container, [("/var/lib/dpkg/status", "C"), ("/usr/lib/os-release", "C")])
    assert "/var/lib/dpkg/status" in reads and "/etc/os-release" in reads


def test_the_runtime_follows_a_removed_venv_and_a_new_python_dir() -> None:
    container = {k: v for k, v in IMAGE.items() if not k.startswith("/opt/venv")}
    container["/usr/local/lib/python3.12/os.py"] = b""
    container["/usr/local/include/python3.12/patchlevel.h"] = b'#define PY_VERSION "3.12.1"\n'
    changes = [
        ("/opt/venv", "D"),
        ("/usr/local/lib/python3.12", "A"),
        ("/usr/local/lib/python3.12/os.py", "A"),
        ("/usr/local/include/python3.12", "A"),
        ("/usr/local/include/python3.12/patchlevel.h", "A"),
    ]
    _compare(container, changes)


def test_a_mount_over_a_package_root_is_read_live() -> None:
    container = {**IMAGE, "/opt/deps/node_modules/is-odd/package.json": b'{"name": "is-odd", "version": "3.0.1"}'}
    reads = _compare(container, [], mounts=("/opt/deps/node_modules",))
    assert "/opt/deps/node_modules/" in reads


def test_merged_usr_paths_count_as_touched() -> None:
    changes = overlay.Changes([{"path": "/usr/lib/apk/db/installed", "kind": "C"}], [])
    assert changes.touched("/lib/apk/db/installed")
    assert not changes.touched("/lib/apk/db/other")
    assert overlay.Changes([{"path": "/opt/venv", "kind": "D"}], []).gone("/opt/venv/lib/x")


@pytest.mark.parametrize("size", [10, overlay.MAX_RECORDED + 1])
def test_a_big_file_is_not_recorded_but_read_live(size: int) -> None:
    image = {**IMAGE, "/var/lib/dpkg/status": _dpkg(("libc6", "2.36-9")) + b"#" * size}
    record, _ = _recorded(image)
    live = FakeFiles(image, LINKS)
    collect(overlay.Overlay(record, live, overlay.Changes([], [])))
    assert ("/var/lib/dpkg/status" in live.reads) == (size > overlay.MAX_RECORDED)
