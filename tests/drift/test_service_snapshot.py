"""Services in snapshots and diffs (issue 8), without an engine: the
``services`` section of a dev/prod/lock fingerprint diffed per service,
checked for its shape when read from a file, masked again."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from devparity.drift import fingerprint as fp_mod
from devparity.drift import targets
from devparity.drift.diff import diff, render_text
from devparity.errors import UsageError
from tests.support import fingerprint, lock_data, python_project

DB = fingerprint(image_id="sha256:" + "1" * 64, ref="shop-dev-db", kind="container",
                 packages={"dpkg": {"postgresql-15": "15.8"}}, config_over={"env": {"PGDATA": "/d"}})


def with_services(**services: Any) -> dict[str, Any]:
    return {**fingerprint(), "services": services}


def test_services_on_both_sides_diff_per_service() -> None:
    other = copy.deepcopy(DB)
    other["packages"]["dpkg"]["vim"] = "9.0"
    other["image_id"] = "sha256:" + "2" * 64
    a = with_services(db={"image_id": DB["image_id"], "fingerprint": DB})
    b = with_services(db={"image_id": other["image_id"], "fingerprint": other},
                      cache={"image_id": None, "fingerprint": fingerprint()})
    changes = [(c.category, c.name, c.kind) for c in diff(a, b)]
    assert changes == [("service", "cache", "added"), ("service", "db image", "changed"), ("service", "db package vim", "added")]
    text = render_text(diff(a, b), "dev", "prod")
    assert "+ service db package vim" in text and "~ service db image" in text
    assert diff(a, copy.deepcopy(a)) == []


def test_an_unknown_image_id_is_no_difference() -> None:
    """The lock knows a registry pin's digest, not the local image id."""
    a = with_services(db={"image_id": None, "fingerprint": DB})
    b = with_services(db={"image_id": DB["image_id"], "fingerprint": DB})
    assert diff(a, b) == []


@pytest.mark.parametrize(
    ("services", "field"),
    [
        ([], "services"),
        ({"db": "x"}, "services.db"),
        ({"db": {"image_id": None, "fingerprint": []}}, "services.db.fingerprint"),
        ({"db": {"image_id": None, "fingerprint": {"packages": "x"}}}, "services.db.fingerprint.packages"),
        ({"Bad\nName": {"image_id": 1, "fingerprint": {}}}, "`services`"),
    ],
)
def test_a_malformed_services_section_in_a_snapshot_is_named(tmp_path: Path, services: Any, field: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({**fingerprint(), "services": services}))
    with pytest.raises(UsageError) as err:
        fp_mod.load_snapshot(path)
    assert field in str(err.value) and "\n" not in str(err.value)


def test_a_hand_edited_service_secret_is_masked_again() -> None:
    leaky = copy.deepcopy(DB)
    leaky["config"]["env"]["DB_PASSWORD"] = "plain-secret-value"
    out = fp_mod.masked(with_services(db={"image_id": None, "fingerprint": leaky}))
    assert "plain-secret-value" not in json.dumps(out)


SERVICES = '\n[services.db]\nimage = "postgres:15"\n\n[services.cache]\nimage = "redis:7"\n'


def test_lock_target_lists_service_fingerprints(tmp_path: Path) -> None:
    python_project(tmp_path, "shop", extra_toml=SERVICES)
    (tmp_path / "devparity.lock").write_text(json.dumps(lock_data(tmp_path, local=("db",))))
    fp = targets.Resolver(tmp_path / "devparity.toml").resolve("lock")
    assert sorted(fp["services"]) == ["cache", "db"]
    assert fp["services"]["db"]["image_id"] == "sha256:" + "d" * 64 and fp["services"]["cache"]["image_id"] is None
    assert fp["services"]["db"]["fingerprint"]["packages"] == {"dpkg": {"bash": "5.2"}}


def test_service_words_resolve_to_components_else_fall_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python_project(tmp_path, "shop", extra_toml=SERVICES)
    r = targets.Resolver(tmp_path / "devparity.toml")
    asked: list[Any] = []
    monkeypatch.setattr(r, "_container", lambda c: asked.append(c) or {"kind": "container"})
    r.resolve("db")
    r.resolve("prod/cache")
    assert [(c.role, c.kind, c.name) for c in asked] == [("dev", "service", "db"), ("prod", "service", "cache")]
    assert r._component("other/db") is None and r._component("python:3.11-slim") is None and r._component("web") is None
