"""The lock's salt and digest through the real `devparity lock` (issue 7):
the salt is made once and kept, the digest verifies, a broken lock is
replaced by `devparity lock`, and an edited one is refused by `build`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from devparity.lock import content_digest
from tests.support import python_project, run_cli


def read(root: Path) -> dict[str, Any]:
    return json.loads((root / "devparity.lock").read_text())


def test_salt_is_kept_and_digest_verifies(tmp_path: Path, project_name: str, engine: Any) -> None:
    root = python_project(tmp_path, project_name)
    first = run_cli("lock", cwd=root)
    assert first.exit_code == 0, first.stderr
    data = read(root)
    assert re.fullmatch(r"[0-9a-f]{32}", data["salt"])
    assert data["digest"] == content_digest(data)
    assert run_cli("lock", "--check", cwd=root).exit_code == 0

    assert run_cli("lock", cwd=root).exit_code == 0
    assert read(root)["salt"] == data["salt"]

    edited = {**data, "base": {**data["base"], "digest": "sha256:" + "e" * 64}}
    (root / "devparity.lock").write_text(json.dumps(edited))
    refused = run_cli("build", "-q", cwd=root)
    assert refused.exit_code == 1 and "edited by hand" in refused.stderr
    assert run_cli("lock", cwd=root).exit_code == 0  # an edited lock is re-derived, its salt kept
    assert read(root)["salt"] == data["salt"] and read(root)["base"] == data["base"]

    (root / "devparity.lock").write_bytes(b"\xff\x00 not a lock")
    assert run_cli("lock", "--check", cwd=root).exit_code == 2
    replaced = run_cli("lock", cwd=root)
    assert replaced.exit_code == 0, replaced.stderr
    assert run_cli("lock", "--check", cwd=root).exit_code == 0
    assert re.fullmatch(r"[0-9a-f]{32}", read(root)["salt"])  # a fresh one (per process: secrets._pending_salt)
