"""A container's changes read from its overlay2 layers
(devparity.engine.upperdir) equal the engine's changes API, path for path
and kind for kind, on the real engine: adds, content and mode changes,
deletes, opaque, renamed and replaced directories, a bind mount and a
tmpfs, over the seeded image and over an image whose own layers hold
whiteouts and opaque directories. And the API is asked when the layers
cannot be read here (DEVPARITY_CHANGES=api, a missing upper dir).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from devparity.drift import fingerprint
from devparity.engine import LABEL_PROJECT, archive, containers, upperdir
from devparity.engine.models import GraphDriverInfo

IMAGE = "python:3.11-slim"

# Every kind of change, each as its own shell line (a failing one names itself).
_CHANGES = [
    "echo hi > /newfile",
    "mkdir -p /new/nested/deeper && touch /new/nested/deeper/leaf",
    "echo more >> /etc/issue",  # content
    "chmod 600 /etc/debian_version",  # mode only
    "chmod 755 /usr/bin/ls",  # copied up, nothing changed
    "touch /usr/local/lib/python3.11/os.py",  # mtime only
    # 5 ns later than the image's whole-second mtime: the same time to the API
    "python3 -c \"import os; s = os.stat('/etc/issue.net'); os.utime('/etc/issue.net', ns=(s.st_atime_ns, s.st_mtime_ns + 5))\"",
    "rm /etc/host.conf",  # an image file
    "rm -rf /usr/share/doc/apt",  # an image dir
    # opaque: the dir deleted and made again
    "rm -rf /usr/share/zoneinfo && mkdir /usr/share/zoneinfo && touch /usr/share/zoneinfo/x",
    # opaque with a subdirectory the image had too
    "rm -rf /usr/local/lib/python3.11/email && mkdir -p /usr/local/lib/python3.11/email/mime && touch /usr/local/lib/python3.11/email/mime/x",
    "mv /usr/share/common-licenses /usr/share/licenses-renamed",
    "rm /etc/motd && mkdir /etc/motd && touch /etc/motd/f",  # a file replaced by a dir
    "rm -rf /usr/share/man && touch /usr/share/man",  # a dir replaced by a file
    "ln -sf /nowhere /etc/localtime",
    "mkfifo /fifo",
    "touch /tmp/gone && rm /tmp/gone",  # made and removed: no whiteout
    "touch /srv/bind/in-bind /run/scratch/in-tmpfs",  # under mounts: not in the layer
]


def _build_layered(name: str) -> str:
    """An image whose own layers hold a whiteout, an opaque dir and a
    name deleted and added back across layers."""
    dockerfile = "\n".join([
        f"FROM {IMAGE}",
        "RUN rm -rf /usr/share/doc && mkdir /usr/share/doc && touch /usr/share/doc/new",
        "RUN rm /etc/issue && mkdir /layered && touch /layered/a /layered/c",
        "RUN touch /layered/b && rm /layered/c",
        f"LABEL {LABEL_PROJECT}={name}",
    ])
    from devparity import engine

    image, _logs = engine.client().images.build(fileobj=io.BytesIO(dockerfile.encode()), rm=True, forcerm=True)
    return str(image.id)


def _start(engine: Any, image: str, name: str, tmp_path: Path) -> str:
    bind = tmp_path / "bind"
    bind.mkdir(exist_ok=True)
    c = engine.containers.run(
        image, ["sleep", "300"], detach=True, labels={LABEL_PROJECT: name},
        volumes={str(bind): {"bind": "/srv/bind", "mode": "rw"}}, tmpfs={"/run/scratch": ""},
    )
    return str(c.id)


def _exec(engine: Any, cid: str, lines: list[str]) -> None:
    for line in lines:
        code, out = engine.containers.get(cid).exec_run(["sh", "-c", line])
        assert code == 0, f"{line}: {out!r}"


def _local(cid: str) -> list[dict[str, str]]:
    g = containers.get(cid).graph_driver
    assert g is not None and upperdir.layers_here(g.name, g.upper_dir, g.lower_dirs), "the layers are not readable here"
    read = upperdir.read(g.name, g.upper_dir, g.lower_dirs)
    assert read is not None
    return sorted(({"path": p, "kind": k} for p, k in read), key=lambda c: c["path"])


def test_layers_read_equal_the_api(engine: Any, project_name: str, tmp_path: Path) -> None:
    cid = _start(engine, IMAGE, project_name, tmp_path)
    assert _local(cid) == archive.api_changes(cid)  # untouched: the mount points and nothing else
    _exec(engine, cid, _CHANGES)
    api = archive.api_changes(cid)
    assert {"path": "/usr/share/zoneinfo/x", "kind": "A"} in api  # the changes were made
    assert len(api) > 50  # the opaque dirs' image files are reported deleted one by one
    assert _local(cid) == api
    assert archive.container_changes(cid, containers.get(cid).graph_driver) == api
    engine.containers.get(cid).stop(timeout=0)  # a stopped container's layer is read as well
    assert _local(cid) == archive.api_changes(cid)


def test_layers_read_equal_the_api_over_a_layered_image(engine: Any, project_name: str, tmp_path: Path) -> None:
    image = _build_layered(project_name)
    cid = _start(engine, image, project_name, tmp_path)
    _exec(engine, cid, [
        "touch /usr/share/doc/new2 && rm /usr/share/doc/new",  # in the image's opaque dir
        "echo > /etc/issue",  # back where the image deleted it
        "touch /layered/c",  # deleted in a lower layer, added here
        "rm /layered/a && rm -rf /layered && mkdir /layered && touch /layered/b",
        *_CHANGES[:6],
    ])
    api = archive.api_changes(cid)
    assert {"path": "/etc/issue", "kind": "A"} in api
    assert _local(cid) == api


def test_the_api_is_asked_when_the_layers_are_not_readable(
    engine: Any, project_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _start(engine, IMAGE, project_name, tmp_path)
    _exec(engine, cid, _CHANGES[:8])
    api = archive.api_changes(cid)
    g = containers.get(cid).graph_driver
    assert g is not None
    missing = GraphDriverInfo(g.name, g.upper_dir + "-missing", g.lower_dirs)
    assert upperdir.read(missing.name, missing.upper_dir, missing.lower_dirs) is None
    assert archive.container_changes(cid, missing) == api
    other = GraphDriverInfo("btrfs", g.upper_dir, g.lower_dirs)
    assert upperdir.read(other.name, other.upper_dir, other.lower_dirs) is None
    monkeypatch.setenv(upperdir.ENV, "api")
    assert upperdir.read(g.name, g.upper_dir, g.lower_dirs) is None
    assert archive.container_changes(cid, g) == api


def test_a_fingerprint_is_the_same_read_either_way(
    engine: Any, project_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _start(engine, IMAGE, project_name, tmp_path)
    _exec(engine, cid, [*_CHANGES, "mkdir -p /usr/local/lib/python3.11/site-packages/x-1.0.dist-info"])
    local = fingerprint.fingerprint_container(cid, project=project_name, salt="s")
    monkeypatch.setenv(upperdir.ENV, "api")
    via_api = fingerprint.fingerprint_container(cid, project=project_name, salt="s")
    assert local == via_api
    assert {"path": "/newfile", "kind": "A"} in local["changes"]

