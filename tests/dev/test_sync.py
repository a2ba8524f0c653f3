"""[dev].source = sync (issue 9), without an engine: what the start copies,
how one watcher batch becomes one archive and one rm, the ownership and
mtimes in the archive, and the session sending a batch before the reload.
The real engine's side is in tests/integration/remote."""

from __future__ import annotations

import io
import os
import tarfile
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from devparity.dev import sync
from devparity.dev.session import Session
from devparity.dev.watch import Batch
from devparity.engine.specs import ContainerSpec, SyncSource
from devparity.roles import DEV
from tests.dev.test_session import Clock, FakeEngine, _project, _result


def spec(root: Path, *, ignore: tuple[str, ...] = (), include: tuple[str, ...] = ()) -> ContainerSpec:
    return ContainerSpec(
        name="demo-dev", role=DEV, image="sha256:x", command=("app",), env={}, user="1234:4321", mounts=(),
        ports=(), labels={}, working_dir="/srv/app", sync=SyncSource(str(root), (1234, 4321), include, ignore),
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    for rel, text in {
        "app.py": "print(1)\n",
        "pkg/mod.py": "X = 1\n",
        "pkg/__pycache__/mod.cpython-311.pyc": "junk",
        ".env": "TOKEN=secret\n",
        ".git/HEAD": "ref\n",
        "node_modules/x/index.js": "",
        "logs/today.log": "",
        "data/keep.txt": "",
        "data/big.bin": "",
        ".dockerignore": "data/big.bin\n",
        "devparity.toml": "",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


class Recorder:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.puts: list[tuple[str, str, dict[str, tarfile.TarInfo], dict[str, bytes]]] = []
        self.runs: list[tuple[str, list[str], str]] = []
        monkeypatch.setattr(sync.engine_copy, "put", self.put)
        monkeypatch.setattr(sync.engine_copy, "run", self.run)

    def put(self, cid: str, path: str, data: bytes | IO[bytes]) -> None:
        raw = data if isinstance(data, bytes) else data.read()
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            members = {m.name: m for m in tar.getmembers()}
            bodies = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isreg()}  # type: ignore[union-attr]
        self.puts.append((cid, path, members, bodies))

    def run(self, cid: str, argv: list[str], *, user: str = "") -> None:
        self.runs.append((cid, argv, user))


def test_the_start_copies_the_context_less_the_watchers_ignores(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(monkeypatch)
    sync.seed("c1", spec(project, ignore=("*.log",)))
    (_, sup_path, sup, _), (_, path, members, bodies) = rec.puts
    assert sup_path == "/" and ".devparity/supervise.sh" in sup
    assert path == "/srv"  # the workdir's parent: the workdir itself is in the archive
    assert sorted(members) == ["app", "app/.dockerignore", "app/app.py", "app/data", "app/data/keep.txt", "app/logs", "app/pkg", "app/pkg/mod.py"]
    assert all((m.uid, m.gid) == (1234, 4321) for m in members.values())
    assert bodies["app/app.py"] == b"print(1)\n"
    assert members["app/app.py"].mtime == pytest.approx(os.stat(project / "app.py").st_mtime, abs=1e-3)


def test_a_batch_is_one_archive_and_one_rm(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(monkeypatch)
    (project / "app.py").write_text("print(2)\n")
    (project / "pkg" / "mod.py").unlink()
    (project / "new").mkdir()
    (project / "new" / "a.py").write_text("A = 1\n")
    (project / "new" / "b.py").write_text("B = 1\n")
    sent = sync.send("c1", spec(project), ["app.py", "pkg/mod.py", "new", ".env", "data/big.bin"])
    assert rec.runs == [("c1", ["rm", "-rf", "--", "/srv/app/pkg/mod.py"], "1234:4321")]
    [(_, path, members, bodies)] = rec.puts
    assert path == "/srv"
    # a new directory goes whole (files made before its watch are not missed); .env and
    # what .dockerignore leaves out never go
    assert sorted(members) == ["app/app.py", "app/new", "app/new/a.py", "app/new/b.py"]
    assert bodies["app/app.py"] == b"print(2)\n"
    assert sent == 5


def test_a_batch_of_only_ignored_paths_sends_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(monkeypatch)
    assert sync.send("c1", spec(project), [".env", "data/big.bin"]) == 0
    assert rec.puts == [] and rec.runs == []


def test_build_include_lets_a_default_exclude_through(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(monkeypatch)
    sync.send("c1", spec(project, include=(".env",)), [".env"])
    assert list(rec.puts[0][2]) == ["app/.env"]


class SyncingEngine(FakeEngine):
    def sync(self, cid: str, spec: ContainerSpec, paths: Any) -> None:
        self.calls.append(("sync", cid, *paths))


def test_the_session_sends_the_batch_before_the_reload(tmp_path: Path) -> None:
    fake = SyncingEngine()

    def synced_spec(role: str, project: Any, result: Any) -> ContainerSpec:
        return spec(tmp_path)

    s = Session(_project(), _result(), spec_for=synced_spec, stop=threading.Event(), engine=fake, clock=Clock())
    s.start((DEV,))
    try:
        assert s.step(Batch("source", ("app.py", "gone.py"), 1.0))
        assert fake.calls[1:] == [("sync", "dev-1", "app.py", "gone.py"), ("signal", "dev-1", "SIGUSR1")]
    finally:
        for stream in fake.streams.values():
            stream.close()


def test_auto_probes_once_per_engine_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    def sees(image: str, host_dir: str, marker: str, owner: dict[str, str]) -> bool:
        assert (Path(host_dir) / marker).is_file()  # the marker exists while the engine looks
        seen.append((image, host_dir))
        return False

    monkeypatch.setattr(sync.engine_copy, "sees", sees)
    monkeypatch.setattr(sync, "_seen", {})
    monkeypatch.setenv("DOCKER_HOST", "tcp://203.0.113.9:2375")
    config: Any = type("C", (), {"dev_source": "auto", "root": tmp_path})()
    assert sync.mode(config, "sha256:i", {}) == sync.SYNC
    assert sync.mode(config, "sha256:i", {}) == sync.SYNC
    assert seen == [("sha256:i", str(tmp_path))]
    assert list(tmp_path.iterdir()) == []  # the marker is gone again
    config.dev_source = "mount"
    assert sync.mode(config, "sha256:i", {}) == sync.MOUNT


def test_a_rebuild_batch_is_synced_too(tmp_path: Path) -> None:
    # a batch of devparity.toml and app.py: a rebuild that keeps the container must not lose app.py
    fake = SyncingEngine()
    s = Session(_project(), _result(), spec_for=lambda *a: spec(tmp_path), stop=threading.Event(), engine=fake, clock=Clock(),
                rebuild=lambda project, stop: (project, _result()))  # fmt: skip
    s.start((DEV,))
    try:
        assert s.step(Batch("rebuild", ("app.py", "devparity.toml"), 1.0))
        assert fake.calls[1] == ("sync", "dev-1", "app.py", "devparity.toml")
    finally:
        for stream in fake.streams.values():
            stream.close()
