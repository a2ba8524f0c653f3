"""The check report in every format (no engine): parses, stable keys, no secrets."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from devparity.drift.findings import Finding, Outcome, RuleResult
from devparity.drift.report import FORMATS, REPORT_SCHEMA, render

SECRET = "hunter2-do-not-print"


def outcome(*, strict_host: bool = False) -> Outcome:
    return Outcome(
        (
            RuleResult(
                "lock",
                "lock freshness",
                (
                    Finding(
                        "lock",
                        "error",
                        "lock",
                        "devparity.lock",
                        "requirements.txt",
                        "requirements.txt changed since devparity.lock was written",
                        "devparity lock",
                    ),
                ),
            ),
            RuleResult("image", "image vs lock"),
            RuleResult("base", "base image digest", skipped="--offline"),
            RuleResult(
                "containers",
                "live containers vs image",
                (
                    Finding(
                        "containers",
                        "error",
                        "package",
                        "dev container",
                        "pytest",
                        "pip package pytest 8.0 is in the dev container but not in its image",
                        "recreate",
                        "pip",
                        None,
                        "8.0",
                        accepted="dev tooling",
                    ),
                    # a hand-made finding with a raw secret in expected/actual: the renderers mask it
                    Finding(
                        "containers",
                        "error",
                        "env",
                        "prod container",
                        "API_TOKEN",
                        "env API_TOKEN differs in the prod container",
                        "recreate it: `devparity up prod`",
                        None,
                        "old",
                        SECRET,
                    ),
                    Finding(
                        "containers",
                        "error",
                        "env",
                        "prod container",
                        "A,B",
                        "100% odd: name\nwith newline",
                        "fix, with: colon",
                    ),
                ),
            ),
            RuleResult(
                "host",
                "host runtime vs pin",
                (
                    Finding(
                        "host",
                        "error" if strict_host else "warning",
                        "host",
                        "host",
                        "python",
                        "the host's python is 3.12.1; devparity.toml pins 3.11",
                        "install python 3.11",
                    ),
                ),
            ),
        ),
        notes=("[check].allow entry { rule = 'env', name = 'X' } matched nothing",),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_value_in_any_format(fmt: str) -> None:
    assert SECRET not in render(outcome(), "shop", fmt)


def test_text_groups_by_rule_one_line_per_finding_with_fix() -> None:
    text = render(outcome(), "shop", "text")
    lines = text.splitlines()
    assert lines[0] == "devparity check: shop"
    assert "✗ lock freshness" in lines[1]
    assert lines[2].startswith("  error") and "(fix: devparity lock)" in lines[2]
    assert "✓ image vs lock: ok" in text and "- base image digest: skipped (--offline)" in text
    assert "accepted  dev container: pip package pytest" in text and "(dev tooling)" in text
    assert "! host runtime vs pin\n  warning  host: the host's python is 3.12.1" in text
    assert lines[-1] == "drift: 3 errors, 1 warning, 1 accepted"


def test_text_style_hook_colours() -> None:
    text = render(outcome(), "shop", "text", style=lambda t, c: f"<{c}>{t}</{c}>")
    assert "<red>✗ lock freshness</red>" in text and "<dim>- base image digest" in text


def test_json_is_versioned_with_stable_keys() -> None:
    doc = json.loads(render(outcome(), "shop", "json"))
    assert list(doc) == ["schema", "project", "status", "exit_code", "summary", "rules", "findings", "notes"]
    assert (doc["schema"], doc["status"], doc["exit_code"]) == (REPORT_SCHEMA, "drift", 1)
    assert [r["status"] for r in doc["rules"]] == ["fail", "pass", "skipped", "fail", "warn"]
    keys = {tuple(f) for f in doc["findings"]}
    assert keys == {
        (
            "rule",
            "severity",
            "category",
            "subject",
            "name",
            "ecosystem",
            "message",
            "fix",
            "expected",
            "actual",
            "accepted",
        )
    }
    token = next(f for f in doc["findings"] if f["name"] == "API_TOKEN")
    assert token["actual"].startswith("<masked:")


def test_junit_has_one_testcase_per_rule() -> None:
    root = ET.fromstring(render(outcome(), "shop", "junit"))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "lock: lock freshness",
        "image: image vs lock",
        "base: base image digest",
        "containers: live containers vs image",
        "host: host runtime vs pin",
    ]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None
    assert cases[2].find("skipped") is not None
    assert "accepted: dev tooling" in (cases[3].findtext("system-out") or "")
    assert cases[4].find("failure") is None and "3.12.1" in (cases[4].findtext("system-out") or "")
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "1")
    strict = ET.fromstring(render(outcome(strict_host=True), "shop", "junit"))
    assert strict.findall("./testsuite/testcase")[4].find("failure") is not None


def test_github_annotations() -> None:
    lines = render(outcome(), "shop", "github").splitlines()
    assert lines[0] == (
        "::error file=requirements.txt,title=devparity check (lock freshness)::"
        "devparity.lock: requirements.txt changed since devparity.lock was written (fix: devparity lock)"
    )
    assert any(line.startswith("::notice title=devparity check (base image digest)::skipped") for line in lines)
    assert any(line.startswith("::notice") and "accepted (dev tooling)" in line for line in lines)
    assert any(line.startswith("::warning title=devparity check (host runtime vs pin)::") for line in lines)
    odd = next(line for line in lines if "odd" in line)
    assert "100%25 odd: name%0Awith newline" in odd  # data escaped; one annotation per line
    assert lines[-1] == "drift: 3 errors, 1 warning, 1 accepted"


def test_parity_exit_code_and_summary() -> None:
    ok = Outcome((RuleResult("lock", "lock freshness"),))
    doc = json.loads(render(ok, "shop", "json"))
    assert (doc["status"], doc["exit_code"], doc["summary"]) == ("parity", 0, "parity: 0 errors, 0 warnings")


FORGED = "/app/x\n::error::pwned\r\x1b[2K\u202e"


def forged_outcome() -> Outcome:
    """An image whose file path and env value carry a forged CI command."""
    return Outcome(
        (
            RuleResult(
                "containers",
                "live containers vs image",
                (
                    Finding("containers", "error", "file", "prod container", FORGED, f"{FORGED} was added", "recreate"),
                    Finding(
                        "containers", "error", "env", "prod container", "GREETING",
                        f"env GREETING is {FORGED!s} in the prod container", "set it", None, "hi", FORGED,
                    ),  # fmt: skip
                ),
            ),
        ),
        notes=(f"note {FORGED}",),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_cannot_forge_a_ci_line(fmt: str) -> None:
    text = render(forged_outcome(), "shop", fmt)
    for line in text.splitlines():
        assert not line.lstrip().startswith("::error::pwned"), line
    if fmt != "json":  # JSON escapes the C0 controls itself; a parser reads the rest
        assert "\x1b" not in text and "\u202e" not in text and "\r" not in text
    if fmt == "junit":
        ET.fromstring(text)  # and it is still well-formed XML 1.0
    if fmt == "json":
        assert json.loads(text)["findings"][0]["name"] == FORGED  # JSON escapes on its own
    if fmt in ("text", "junit"):
        assert "\\n::error::pwned" in text


def test_hand_made_findings_with_secret_shapes_are_masked() -> None:
    token = "ghp_" + "Q" * 36
    o = Outcome((RuleResult("image", "image vs lock", (Finding("image", "error", "env", "image", "GREETING",
                 f"env GREETING is {token}", "fix", None, token, "x"),)),))  # fmt: skip
    for fmt in FORMATS:
        assert token not in render(o, "shop", fmt)
