"""Unit tests for the semantic fingerprint diff (no engine)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from devparity.drift.diff import Change, changes_to_json, diff, render_text
from devparity.drift.filters import mask_env
from tests.support import fingerprint

A: dict[str, Any] = fingerprint(
    ref="app:dev",
    image_id="sha256:aaa",
    runtimes={"python": "3.11.2"},
    packages={"dpkg": {"curl": "7.88.1", "bash": "5.2.15"}, "pip": {"flask": "2.0.1"}},
    config_over={"env": mask_env({"DEBUG": "0", "API_TOKEN": "old-secret"})},
    base={"ref": "python:3.11-slim", "digest": "sha256:111"},
)


def _b() -> dict[str, Any]:
    b = copy.deepcopy(A)
    b["kind"] = "container"
    b["packages"]["dpkg"].pop("curl")
    b["packages"]["pip"] = {"flask": "3.0.0", "requests": "2.31.0"}
    b["config"]["env"] = mask_env({"DEBUG": "1", "API_TOKEN": "new-secret"})
    b["config"]["cmd"] = ["bash"]
    b["changes"] = [{"path": "/srv/added.txt", "kind": "A"}]
    b["hidden_paths"] = ["/app/node_modules/"]
    return b


def test_identical_fingerprints_have_no_changes() -> None:
    assert diff(A, copy.deepcopy(A)) == []
    assert "no drift" in render_text([], "a", "b")


def test_package_changes() -> None:
    pkgs = [c for c in diff(A, _b()) if c.category == "package"]
    assert pkgs == [
        Change("package", "curl", "removed", "7.88.1", None, "dpkg"),
        Change("package", "flask", "changed", "2.0.1", "3.0.0", "pip"),
        Change("package", "requests", "added", None, "2.31.0", "pip"),
    ]


def test_whole_ecosystem_appearing_lists_each_package() -> None:
    b = copy.deepcopy(A)
    b["packages"]["npm"] = {"express": "4.18.2"}
    assert diff(A, b) == [Change("package", "express", "added", None, "4.18.2", "npm")]


def test_categories_and_order_are_deterministic() -> None:
    changes = diff(A, _b())
    assert [c.category for c in changes] == [
        "package",
        "package",
        "package",
        "config",
        "env",
        "env",
        "changes",
        "hidden",
    ]
    assert changes == diff(A, _b())
    assert diff(_b(), A)[0] == Change("package", "curl", "added", None, "7.88.1", "dpkg")


def test_os_runtime_and_base_changes() -> None:
    b = copy.deepcopy(A)
    b["os"]["version_id"] = "13"
    b["runtimes"] = {"python": "3.11.9", "node": "18.20.4"}
    b["base"] = None
    names = {(c.category, c.name, c.kind) for c in diff(A, b)}
    assert names == {
        ("os", "version_id", "changed"),
        ("runtime", "python", "changed"),
        ("runtime", "node", "added"),
        ("base", "ref", "removed"),
        ("base", "digest", "removed"),
    }


def test_secrets_stay_masked_even_from_unmasked_input() -> None:
    a = copy.deepcopy(A)
    a["config"]["env"] = {"DB_PASSWORD": "plain-old"}  # a hand-edited snapshot
    b = copy.deepcopy(A)
    b["config"]["env"] = {"DB_PASSWORD": "plain-new"}
    changes = diff(a, b)
    out = render_text(changes, "a", "b") + json.dumps(changes_to_json(changes))
    assert "plain-old" not in out and "plain-new" not in out
    assert "~ env DB_PASSWORD <masked:" in out


def test_render_text_lines() -> None:
    text = render_text(diff(A, _b()), "app:dev", "running")
    lines = text.splitlines()
    assert lines[0] == "8 differences from app:dev to running:"
    assert "- dpkg curl 7.88.1" in lines
    assert "~ pip flask 2.0.1 -> 3.0.0" in lines
    assert "+ pip requests 2.31.0" in lines
    assert "~ env DEBUG 0 -> 1" in lines
    assert '~ config cmd ["python", "app.py"] -> ["bash"]' in lines
    assert "+ changes /srv/added.txt (A)" in lines
    assert "+ hidden /app/node_modules/ (hidden)" in lines


def test_changes_to_json_is_versioned_with_stable_keys() -> None:
    doc = changes_to_json(diff(A, _b()))
    assert doc["schema"] == 1
    assert all(list(c) == ["category", "ecosystem", "name", "kind", "a", "b"] for c in doc["changes"])
    assert doc["changes"][0] == {
        "category": "package",
        "ecosystem": "dpkg",
        "name": "curl",
        "kind": "removed",
        "a": "7.88.1",
        "b": None,
    }
    json.dumps(doc)  # serialisable


def test_change_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Change("env", "X", "added").name = "Y"  # type: ignore[misc]


def test_five_thousand_packages_each_side() -> None:
    # The speed of this diff is measured by benchmarks/diff.py, not asserted here.
    pa = {f"pkg{i}": f"1.{i}" for i in range(5000)}
    pb = {f"pkg{i}": (f"1.{i}" if i % 3 else f"2.{i}") for i in range(250, 5250)}
    changes = diff({**A, "packages": {"pip": pa}}, {**A, "packages": {"pip": pb}})
    kinds = [c.kind for c in changes]
    assert kinds.count("removed") == 250 and kinds.count("added") == 250
    assert kinds.count("changed") == len([i for i in range(250, 5000) if i % 3 == 0])
