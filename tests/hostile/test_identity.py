"""Hostile cases for checkout identity (issue 7, finding 9): containers that
carry devparity's labels without being this checkout's, made by a stranger
(inherited from the image, added by hand, forged, committed), another clone
with the same [project].name, and a damaged or unusable key store.

One project and its image are built once for the module; each case adds
its containers under unique names and removes every container labelled with
the project afterwards (strangers inherit the label)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devparity import config, identity, roles
from tests.support import free_port, python_project, remove_by_project, unique_name
from tests.hostile.harness import assert_clean, listing, run

pytestmark = pytest.mark.engine


@dataclass
class Built:
    root: Path
    name: str
    image: str


@pytest.fixture(scope="module")
def built(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    name = unique_name("dph")
    root = python_project(tmp_path_factory.mktemp("identity") / "app", name, port=free_port())
    cache = tmp_path_factory.mktemp("build-cache")
    r = run(root, "build", env={"DEVPARITY_CACHE_DIR": str(cache)}, timeout=300)
    assert r.code == 0, r.stderr
    found = engine.api.images(filters={"label": [f"devparity.project={name}"]})
    assert found
    yield Built(root, name, found[0]["Id"])
    remove_by_project(name, engine)


@pytest.fixture
def project(built: Built, engine: Any) -> Iterator[Built]:
    yield built
    for c in engine.api.containers(all=True, filters={"label": [f"devparity.project={built.name}"]}):
        engine.api.remove_container(c["Id"], force=True)


def stranger(engine: Any, image: str, labels: dict[str, str] | None = None, name: str | None = None) -> Any:
    """A container someone else ran from ``image`` (it inherits every label)."""
    return engine.containers.run(
        image, ["sleep", "300"], detach=True, labels=labels or {}, name=name or f"dph-stranger-{uuid.uuid4().hex[:8]}"
    )


def alive(engine: Any, cid: str) -> bool:
    return any(c["Id"] == cid for c in engine.api.containers(all=True))


def foreign_of(root: Path) -> list[dict[str, Any]]:
    r = run(root, "status", "--json")
    assert r.code == 0 and not r.stderr.strip(), r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    assert doc["containers"] == [], doc
    return list(doc["foreign"])


def forged_token() -> str:
    return "dev:0011223344556677:" + "0" * 32


# Strangers whose labels say "devparity" and "dev" as loudly as they can.
STRANGERS = {
    "inherited-labels-only": {},
    "role-label-added": {"devparity.role": "dev"},
    "forged-created-token": {"devparity.role": "dev", "devparity.created": forged_token()},
    "token-for-another-role": {"devparity.role": "prod", "devparity.created": forged_token()},
    "empty-created-label": {"devparity.role": "dev", "devparity.created": ""},
}


@pytest.mark.parametrize("labels", list(STRANGERS.values()), ids=list(STRANGERS))
def test_a_stranger_is_foreign_and_down_leaves_it(project: Built, engine: Any, labels: dict[str, str]) -> None:
    c = stranger(engine, project.image, labels)
    assert [(f["name"], f["owner"]) for f in foreign_of(project.root)] == [(c.name, "other")]
    before = listing(project.root)
    r = run(project.root, "down")
    assert_clean(r, 0, mentions=("left alone: 1 foreign",), root=project.root, before=before)
    assert alive(engine, c.id)


@pytest.mark.parametrize("command", [("logs",), ("exec", "dev", "--", "true")], ids=["logs", "exec"])
def test_logs_and_exec_never_reach_a_stranger(project: Built, engine: Any, command: tuple[str, ...]) -> None:
    stranger(engine, project.image, {"devparity.role": "dev"})
    r = run(project.root, *command)
    assert_clean(r, 3, mentions=("no ",))
    assert r.stdout == ""


def test_a_committed_devparity_container_does_not_pass_its_token_on(project: Built, engine: Any) -> None:
    r = run(project.root, "up", "--detach", timeout=120)
    assert r.code == 0, r.stderr
    ours = roles.name_for(config.load(project.root / "devparity.toml"), "dev")
    committed = engine.containers.get(ours).commit(repository=f"dph-commit-{uuid.uuid4().hex[:8]}")
    try:
        assert committed.labels["devparity.created"]  # the image now carries our token
        c = stranger(engine, committed.id)
        assert c.labels["devparity.created"] == committed.labels["devparity.created"]
        assert [f["name"] for f in foreign_of_all(project.root)] == [c.name]
        r = run(project.root, "down")
        assert_clean(r, 0, mentions=(f"removed {ours}", "left alone: 1 foreign"))
        assert alive(engine, c.id)
    finally:
        for x in engine.api.containers(all=True, filters={"ancestor": committed.id}):
            engine.api.remove_container(x["Id"], force=True)
        engine.api.remove_image(committed.id, force=True)


def foreign_of_all(root: Path) -> list[dict[str, Any]]:
    r = run(root, "status", "--json")
    assert r.code == 0, r.stderr
    return list(json.loads(r.stdout)["foreign"])


def test_a_label_cannot_forge_status_lines(project: Built, engine: Any) -> None:
    # another checkout's config label, as a CI log would read it
    forged = "/x\n::error file=app.py::parity broken\n\x1b[31m/devparity.toml"
    stranger(engine, project.image, {"devparity.checkout": "f" * 12, "devparity.created": forged_token(),
                                     "devparity.role": "dev\n::error::role", "devparity.config": forged})
    r = run(project.root, "status")
    assert_clean(r, 0, one_line=False, mentions=("another checkout",))
    assert not any(line.lstrip().startswith("::error") for line in r.output.splitlines()), r.output
    assert "\x1b" not in r.stdout


def test_a_stranger_holding_our_container_name_stops_up_with_one_line(project: Built, engine: Any) -> None:
    name = roles.name_for(config.load(project.root / "devparity.toml"), "dev")
    c = stranger(engine, project.image, {"devparity.role": "dev"}, name=name)
    r = run(project.root, "up", "--detach", timeout=120)
    assert_clean(r, 3, mentions=(name, "devparity status"))
    assert alive(engine, c.id)


def test_another_clone_with_the_same_name_is_left_alone(project: Built, engine: Any, tmp_path: Path) -> None:
    other = python_project(tmp_path / "other", project.name, port=free_port())
    r = run(other, "up", "--detach", timeout=300)
    assert r.code == 0, r.stderr
    theirs = roles.name_for(config.load(other / "devparity.toml"), "dev")
    found = foreign_of(project.root)
    assert [(f["name"], f["owner"], f["config"]) for f in found] == [(theirs, "checkout", str(other / "devparity.toml"))]
    r = run(project.root, "down")
    assert_clean(r, 0, mentions=("left alone: 1 foreign",))
    assert engine.containers.get(theirs).status == "running"


def test_a_damaged_key_file_is_replaced(project: Built, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "identity").mkdir(parents=True)
    (cache / "identity" / identity.KEY_FILE).write_bytes(b"\xff\xfe not a key\n")
    r = run(project.root, "down", env={"DEVPARITY_CACHE_DIR": str(cache)})
    assert_clean(r, 0, mentions=("no containers",))
    assert len(bytes.fromhex((cache / "identity" / identity.KEY_FILE).read_text().strip())) == 32


def test_an_unusable_key_store_is_a_usage_error(project: Built, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    r = run(project.root, "status", env={"DEVPARITY_CACHE_DIR": str(blocker / "cache")})
    assert_clean(r, 2, mentions=("DEVPARITY_CACHE_DIR",))
