"""docs/formats.md names each JSON output's schema version; those numbers
must be the code's (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

from devparity import doctor
from devparity.commands import status
from devparity.drift import diff, fingerprint, report

DOC = Path(__file__).resolve().parents[1] / "docs" / "formats.md"
CODE = {
    "status": status.STATUS_SCHEMA,
    "check": report.REPORT_SCHEMA,
    "snapshot": fingerprint.SCHEMA,
    "diff": diff.CHANGES_SCHEMA,
    "doctor": doctor.SCHEMA,
}


def documented() -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"<!-- schema: (\w+) (\d+) -->", DOC.read_text(encoding="utf-8"))}


def test_every_json_output_is_documented_with_the_codes_schema() -> None:
    assert documented() == CODE


def test_the_prose_says_the_same_number_as_the_marker() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, version in CODE.items():
        section = text.split(f"<!-- schema: {name} ")[1]
        assert section.split("\n", 2)[1].startswith(f"Schema **{version}**"), name
