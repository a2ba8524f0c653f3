"""Hostile SBOMs (issue 11): `diff` now reads CycloneDX files, a new input.
Whatever one holds, `diff` compares it or exits 2 in one line naming the
file; no traceback, no control character obeyed. No engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devparity.sbom import cyclonedx
from tests.hostile.harness import assert_clean, make_project, run
from tests.support import fingerprint

SNAPSHOT = fingerprint(packages={"pip": {"six": "1.16.0"}})

BAD: dict[str, Any] = {
    "components-a-string": {"bomFormat": "CycloneDX", "components": "all of them"},
    "component-without-name": {"bomFormat": "CycloneDX", "components": [{"version": "1"}]},
    "version-a-number": {"bomFormat": "CycloneDX", "components": [{"name": "six", "version": 1.16}]},
    "purl-garbage": {"bomFormat": "CycloneDX", "components": [{"name": "six", "purl": "pkg:"}]},
    "metadata-a-list": {"bomFormat": "CycloneDX", "metadata": ["x"], "components": []},
    "os-field-a-table": {"bomFormat": "CycloneDX", "components": [
        {"type": "operating-system", "name": "debian", "properties": [{"name": "devparity:os:id", "value": {"x": 1}}]}]},
    "properties-not-a-list": {"bomFormat": "CycloneDX", "components": [{"name": "six", "properties": "p"}]},
}


@pytest.mark.parametrize("doc", BAD.values(), ids=BAD.keys())
def test_a_malformed_sbom_is_exit_2_in_one_line(tmp_path: Path, doc: Any) -> None:
    root = make_project(tmp_path / "p", {"a.json": json.dumps(SNAPSHOT), "b.cdx.json": json.dumps(doc)})
    r = run(root, "diff", "a.json", "b.cdx.json")
    if r.code == 0 or r.code == 1:  # read as an SBOM with odd but valid values: a clean diff
        assert_clean(r, r.code, one_line=False)
        return
    assert_clean(r, 2, mentions=("b.cdx.json",))


def test_a_forged_package_name_cannot_write_a_line_of_its_own(tmp_path: Path) -> None:
    doc = json.loads(cyclonedx.dumps(SNAPSHOT))
    doc["components"].append({"type": "library", "name": "x\n::error::pwned", "version": "1\x1b[31m",
                              "purl": "pkg:pypi/x@1"})
    root = make_project(tmp_path / "p", {"a.json": json.dumps(SNAPSHOT), "b.cdx.json": json.dumps(doc)})
    r = run(root, "diff", "a.json", "b.cdx.json")
    assert_clean(r, 1, one_line=False)
    assert not any(line.startswith("::error::") for line in r.stdout.splitlines()), r.stdout
    assert "\x1b" not in r.stdout
