"""check's fact-gathering steps (devparity.drift.gather), each run alone
against a fake engine, and one whole `check` that reads each input once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devparity import files, inputs, plan, render
from devparity import project as project_mod
from devparity.builder import ImageResult
from devparity.commands import check as check_cmd
from devparity.drift import gather
from devparity.drift.findings import BaseFacts, Skipped
from devparity.engine.models import ContainerInfo
from devparity.labels import INPUTS as LABEL_INPUTS
from devparity.labels import COMPONENT as LABEL_COMPONENT
from devparity.labels import KIND as LABEL_KIND
from devparity.labels import PROCESS
from devparity.labels import ROLE as LABEL_ROLE
from devparity.errors import RegistryError
from devparity.plan import BuildPlan
from tests.support import LOCK_DIGEST, python_project, write_lock


class FakeEngine:
    """The engine seam, answering from fixtures and recording what was asked."""

    def __init__(self, fingerprint: dict[str, Any], **kw: Any) -> None:
        self.fp = fingerprint
        self.containers: list[ContainerInfo] = kw.get("containers", [])
        self.container_fps: dict[str, dict[str, Any]] = kw.get("container_fps", {})
        self.digest: str | Exception = kw.get("digest", LOCK_DIGEST)
        self.tree: list[str] = kw.get("tree", [])
        self.files: list[tuple[str, bytes]] = kw.get("files", [])
        self.calls: list[tuple[Any, ...]] = []

    def ensure_image(self, p: BuildPlan, *, salt: str, with_source: bool, on_line: Callable[[str], None]) -> ImageResult:
        self.calls.append(("ensure", with_source))
        image = "sha256:prod" if with_source and p.source_hash else "sha256:env"
        return ImageResult(image, built=False, plan=p)

    def fingerprint_image(self, image_id: str, *, project: str, salt: str) -> dict[str, Any]:
        self.calls.append(("fingerprint_image", image_id))
        return {**self.fp, "image_id": image_id}

    def fingerprint_container(self, cid: str, *, project: str, salt: str) -> dict[str, Any]:
        return self.container_fps[cid]

    def registry_digest(self, ref: str) -> str:
        if isinstance(self.digest, Exception):
            raise self.digest
        return self.digest

    def running_containers(self, p: BuildPlan) -> list[ContainerInfo]:
        return self.containers

    def list_image_tree(self, image_id: str, *, project: str, path: str) -> list[str]:
        return self.tree

    def walk_image(self, image_id: str, *, project: str, path: str, max_size: int) -> Iterator[tuple[str, bytes]]:
        self.calls.append(("walk", image_id))
        yield from self.files


def _running(cid: str, labels: dict[str, str]) -> ContainerInfo:
    return ContainerInfo(cid, cid, labels, "sha256:env", "running", True, None, None, None)


def _project(tmp_path: Path, *, locked: bool = True) -> project_mod.Project:
    python_project(tmp_path, "shop", requirements="six==1.16.0\n")
    if locked:
        write_lock(tmp_path)
    return project_mod.load(config_path=tmp_path / "devparity.toml")


def _fp(proj: project_mod.Project) -> dict[str, Any]:
    assert proj.lock is not None
    return {k: v for k, v in proj.lock.fingerprint.items() if k != "base"}  # type: ignore[union-attr]


def _lf(proj: project_mod.Project) -> tuple[BuildPlan, gather.LockFacts]:
    p = plan.for_project(proj)
    return p, gather.lock_facts(p, proj.lock)


def test_lock_facts_fresh_stale_missing_and_edited(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    p, lf = _lf(proj)
    assert lf.stale == () and lf.edited == () and lf.lock is proj.lock and not isinstance(lf.locked, Skipped)
    assert gather.lock_facts(p, None).stale is None
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    assert _lf(project_mod.load(config_path=tmp_path / "devparity.toml"))[1].stale == ("requirements.txt",)
    data = json.loads((tmp_path / "devparity.lock").read_text())
    data["base"]["digest"] = "sha256:" + "d" * 64  # a hand edit
    (tmp_path / "devparity.lock").write_text(json.dumps(data))
    edited = project_mod.load(config_path=tmp_path / "devparity.toml")
    lf = gather.lock_facts(plan.make(edited.config, None), edited.lock)
    assert lf.edited and lf.locked == gather.DISTRUSTED and lf.lock is None


def test_image_facts_fingerprint_the_environment_image_or_stand_down(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    p, lf = _lf(proj)
    eng = FakeEngine(_fp(proj))
    assert gather.image_facts(eng, p, lf)["image_id"] == "sha256:env"  # type: ignore[index]
    assert eng.calls[0] == ("ensure", False)
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    p, lf = _lf(project_mod.load(config_path=tmp_path / "devparity.toml"))
    assert isinstance(gather.image_facts(eng, p, lf), Skipped)


def test_base_facts_offline_moved_and_unreachable(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    _p, lf = _lf(proj)
    assert gather.base_facts(FakeEngine({}), lf, offline=True) == Skipped("--offline")
    moved = gather.base_facts(FakeEngine({}, digest="sha256:" + "e" * 64), lf, offline=False)
    assert isinstance(moved, BaseFacts) and moved.now == "sha256:" + "e" * 64
    err = RegistryError("cannot resolve python:3.11-slim in its registry: connection refused")
    down = gather.base_facts(FakeEngine({}, digest=err), lf, offline=False)
    assert isinstance(down, BaseFacts) and down.now is None and down.unreachable == "connection refused"


def test_container_facts_compare_dev_mount_with_the_prod_image(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    p, lf = _lf(proj)
    labels = {LABEL_ROLE: "dev", LABEL_INPUTS: p.inputs.hash}
    dev_fp = {"image_id": "sha256:env", "mounts": [{"type": "bind", "destination": proj.config.workdir, "source": str(tmp_path)}]}
    eng = FakeEngine(_fp(proj), containers=[_running("c1", labels)], container_fps={"c1": dev_fp}, tree=["app.py", "gone.py"])
    (facts,) = gather.container_facts(eng, p, lf)  # type: ignore[misc]
    assert facts.role == "dev" and facts.hidden_in == "the prod image"
    assert facts.fingerprint["hidden_paths"] == [f"{proj.config.workdir}/gone.py"]
    assert ("ensure", True) in eng.calls


def test_container_facts_of_a_process_carry_what_it_declares_and_share_the_mount_comparison(tmp_path: Path) -> None:
    python_project(tmp_path, "shop", requirements="six==1.16.0\n", extra_toml=(
        '\n[processes.worker]\ncommand = "python worker.py --token s3cr3t-token-value"\nenv = { QUEUE = "mail", API_TOKEN = "s3cr3t" }\n'
    ))
    write_lock(tmp_path)
    proj = project_mod.load(config_path=tmp_path / "devparity.toml")
    p, lf = _lf(proj)
    app = {LABEL_ROLE: "dev", LABEL_INPUTS: p.inputs.hash}
    worker = {**app, LABEL_KIND: PROCESS, LABEL_COMPONENT: "worker"}
    gone = {**app, LABEL_KIND: PROCESS, LABEL_COMPONENT: "mailer"}  # no longer in the config
    dev_fp = {"image_id": "sha256:env", "mounts": [{"type": "bind", "destination": proj.config.workdir, "source": str(tmp_path)}]}
    eng = FakeEngine(
        _fp(proj),
        containers=[_running("c1", app), _running("c2", worker), _running("c3", gone)],
        container_fps={"c1": dev_fp, "c2": dev_fp, "c3": dev_fp},
        tree=["app.py", "gone.py"],
    )
    facts = {f.name: f for f in gather.container_facts(eng, p, lf)}  # type: ignore[union-attr]
    assert facts["c1"].process is None and facts["c1"].label == "dev"
    w = facts["c2"]
    assert (w.process, w.label) == ("worker", "dev/worker")
    assert w.declared_env["QUEUE"] == "mail" and w.declared_env["API_TOKEN"].startswith("<masked")
    assert w.declared_cmd is not None and w.declared_cmd[:2] == ("/bin/sh", "-c")
    assert "s3cr3t-token-value" not in w.declared_cmd[2]
    assert (facts["c3"].process, facts["c3"].declared_cmd, dict(facts["c3"].declared_env)) == ("mailer", None, {})
    assert all(f.fingerprint["hidden_paths"] == [f"{proj.config.workdir}/gone.py"] for f in facts.values())
    assert eng.calls.count(("ensure", True)) == 1  # one mount: compared once for the three


def test_secrets_facts_scan_once_per_image(tmp_path: Path) -> None:
    proj = _project(tmp_path)
    p, lf = _lf(proj)
    eng = FakeEngine(_fp(proj), files=[(".env", b"TOKEN=x\n"), ("app.py", b"print()\n")])
    first = gather.secrets_facts(eng, p, lf)
    assert not isinstance(first, Skipped) and [f.path for f in first] == [f"{proj.config.workdir}/.env"]
    assert gather.secrets_facts(eng, p, lf) == first
    assert [c for c in eng.calls if c[0] == "walk"] == [("walk", "sha256:prod")]  # the second came from the cache
    assert gather.secrets_facts(eng, p, gather.lock_facts(p, None)) == Skipped("there is no devparity.lock")


def test_one_check_reads_each_input_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dependency file, the template and each source file are read once
    in a whole `check` with dev and prod running (issue 10)."""
    proj = _project(tmp_path)
    p = plan.for_project(proj)
    reads: list[str] = []
    real_read, real_template, real_hash = files.read_bytes, render.template_text, inputs._file_hash

    def read_bytes(path: Path, *a: Any, **k: Any) -> bytes:
        reads.append("read " + Path(path).name)
        return real_read(path, *a, **k)

    def template_text(language: str) -> str:
        reads.append("template")
        return real_template(language)

    def file_hash(path: str) -> str:
        reads.append("hash " + Path(path).name)
        return real_hash(path)

    monkeypatch.setattr(files, "read_bytes", read_bytes)
    monkeypatch.setattr(render, "template_text", template_text)
    monkeypatch.setattr(inputs, "_file_hash", file_hash)
    mount = [{"type": "bind", "destination": proj.config.workdir, "source": str(tmp_path)}]
    containers = [
        _running("dev1", {LABEL_ROLE: "dev", LABEL_INPUTS: p.inputs.hash}),
        _running("prod1", {LABEL_ROLE: "prod", LABEL_INPUTS: p.inputs.hash}),
    ]
    fps = {"dev1": {**_fp(proj), "image_id": "sha256:env", "mounts": mount}, "prod1": {**_fp(proj), "image_id": "sha256:prod"}}
    eng = FakeEngine(_fp(proj), containers=containers, container_fps=fps, tree=["app.py"])
    reads.clear()
    assert check_cmd.check(proj, offline=True, engine=eng) == 0
    assert reads.count("read requirements.txt") == 1  # as a dependency file
    assert reads.count("template") == 1
    assert reads.count("read .dockerignore") == 1  # listing the build context
    # the source tree is hashed once (the stat cache is cold in a fresh cache dir)
    assert reads.count("hash app.py") == 1 and reads.count("hash requirements.txt") == 1
    assert [c for c in eng.calls if c[0] == "ensure"].count(("ensure", True)) == 2  # secrets scan and dev mount: one plan
