"""Hostile services sections of devparity.lock and service settings
(issue 8) against `lock --check`, without an engine: malformed is exit 2
naming the field, a hand edit exit 1; one line on stderr, no traceback,
no secret of [services.NAME].env in any output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run
from tests.hostile.test_lockrender import INJECTED, OTHER, reseal, setter
from tests.support import lock_data

SECRET = "pg-pass-7f3a9c-hostile"
TOML = BASE_TOML + f"""
[services.db]
image = "postgres:15"
env = {{ POSTGRES_PASSWORD = "{SECRET}" }}
data = "/var/lib/postgresql/data"
"""


def forget_fingerprint(data: dict[str, Any]) -> dict[str, Any]:
    """Another valid pin, the digest resealed, its fingerprint's base forgotten."""
    data["services"]["db"]["digest"] = OTHER
    return reseal(data)


EDITS: list[tuple[str, Any, int, str]] = [
    ("digest-newline", setter("services.db.digest", f"sha256:abc\n{INJECTED}"), 2, "services.db.digest"),
    ("ref-newline", setter("services.db.ref", f"postgres:15\n{INJECTED}"), 2, "services.db.ref"),
    ("other-digest", setter("services.db.digest", OTHER), 1, "edited by hand"),
    ("other-digest-sealed", forget_fingerprint, 1, "services.db.fingerprint.base"),
    ("services-list", setter("services", ["db"]), 2, "services"),
    ("entry-missing-inputs", lambda d: {**d, "services": {"db": {k: v for k, v in d["services"]["db"].items() if k != "inputs"}}}, 2, "services.db.inputs"),
    ("env-hash-is-a-value", setter("services.db.inputs.env", SECRET), 2, "services.db.inputs.env"),
    ("local-only-disagrees", setter("services.db.local_only", True), 2, "services.db.local_only"),
]


@pytest.mark.parametrize(("edit", "code", "named"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_hostile_service_lock(tmp_path: Path, edit: Any, code: int, named: str) -> None:
    root = make_project(tmp_path / "p", toml=TOML)
    (root / "devparity.lock").write_text(json.dumps(edit(lock_data(root)), indent=2, sort_keys=True))
    before = listing(root)
    r = run(root, "lock", "--check")
    assert_clean(r, code, mentions=(named,), secrets=(SECRET,), root=root, before=before)


def test_a_changed_service_secret_is_named_never_shown(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=TOML)
    (root / "devparity.lock").write_text(json.dumps(lock_data(root)))
    assert_clean(run(root, "lock", "--check"), 0)
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace(SECRET, SECRET + "-rotated"))
    r = run(root, "lock", "--check")
    assert_clean(r, 1, mentions=("[services.db].env",), secrets=(SECRET,))
