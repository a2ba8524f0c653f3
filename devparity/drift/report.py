"""Renderers of a check ``Outcome`` (pure): text, json, junit, github.

Every renderer prints only what findings carry, and findings carry only
fingerprint values, whose secret-looking env names are masked; env values
are masked once more here, so a hand-made Finding cannot leak either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from devparity.drift.filters import mask_secrets_in
from devparity.drift.findings import Finding, Outcome

REPORT_SCHEMA = 1
FORMATS = ("text", "json", "junit", "github")
_FINDING_KEYS = (
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
_MARK = {"pass": "✓", "fail": "✗", "warn": "!", "skipped": "-"}
_COLOR = {"pass": "green", "fail": "red", "warn": "yellow", "skipped": "dim"}


def _safe(f: Finding) -> Finding:
    """``f`` with secret env values masked (idempotent)."""
    if f.category != "env":
        return f
    return replace(
        f,
        expected=mask_secrets_in(f.name, f.expected) if isinstance(f.expected, str) else f.expected,
        actual=mask_secrets_in(f.name, f.actual) if isinstance(f.actual, str) else f.actual,
    )


def _finding_json(f: Finding) -> dict[str, Any]:
    """A finding in the JSON schema's key order (stable across versions)."""
    fields = asdict(_safe(f))
    return {k: fields[k] for k in _FINDING_KEYS}


def exit_code(outcome: Outcome) -> int:
    from devparity.errors import EXIT_DRIFT, EXIT_OK

    return EXIT_DRIFT if outcome.drift else EXIT_OK


def summary(outcome: Outcome) -> str:
    live = [f for f in outcome.findings if f.accepted is None]
    errors = sum(f.severity == "error" for f in live)
    warnings = len(live) - errors
    accepted = len(outcome.findings) - len(live)
    parts = [f"{errors} error{'s' * (errors != 1)}", f"{warnings} warning{'s' * (warnings != 1)}"]
    if accepted:
        parts.append(f"{accepted} accepted")
    verdict = "drift" if outcome.drift else "parity"
    return f"{verdict}: {', '.join(parts)}"


def render_text(outcome: Outcome, project: str, style: Callable[[str, str], str] = lambda t, _c: t) -> str:
    """Grouped by rule, one line per finding with its fix; ``style(text, colour)`` colours."""
    lines = [f"devparity check: {project}"]
    for r in outcome.results:
        status = r.status
        head = f"{_MARK[status]} {r.title}"
        if r.skipped is not None:
            head += f": skipped ({r.skipped})"
        elif status == "pass":
            head += ": ok"
        lines.append(style(head, _COLOR[status]))
        for f in map(_safe, r.findings):
            if f.accepted is not None:
                lines.append(style(f"  accepted  {f.subject}: {f.message} ({f.accepted})", "dim"))
            else:
                label = style(f"{f.severity:<7}", "red" if f.severity == "error" else "yellow")
                lines.append(f"  {label}  {f.subject}: {f.message} (fix: {f.fix})")
    lines += [style(f"note: {n}", "dim") for n in outcome.notes]
    lines.append(style(summary(outcome), "red" if outcome.drift else "green"))
    return "\n".join(lines) + "\n"


def to_json(outcome: Outcome, project: str) -> dict[str, Any]:
    """The versioned document: every key always present, in a stable order."""
    return {
        "schema": REPORT_SCHEMA,
        "project": project,
        "status": "drift" if outcome.drift else "parity",
        "exit_code": exit_code(outcome),
        "summary": summary(outcome),
        "rules": [
            {"id": r.rule, "title": r.title, "status": r.status, "skipped": r.skipped, "findings": len(r.findings)}
            for r in outcome.results
        ],
        "findings": [_finding_json(f) for f in outcome.findings],
        "notes": list(outcome.notes),
    }


def render_json(outcome: Outcome, project: str) -> str:
    return json.dumps(to_json(outcome, project), indent=2, ensure_ascii=False) + "\n"


def _line(f: Finding) -> str:
    return f"[{f.severity}] {f.subject}: {f.message} (fix: {f.fix})"


def render_junit(outcome: Outcome, project: str) -> str:
    """One testcase per rule: failure for errors, skipped for skipped rules;
    warnings and accepted findings go to the testcase's system-out."""
    import xml.etree.ElementTree as ET

    failures = sum(r.status == "fail" for r in outcome.results)
    skipped = sum(r.status == "skipped" for r in outcome.results)
    counts = {"tests": str(len(outcome.results)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    suites = ET.Element("testsuites", {"name": "devparity check", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": f"devparity check: {project}", **counts})
    for r in outcome.results:
        case = ET.SubElement(suite, "testcase", {"classname": "devparity.check", "name": f"{r.rule}: {r.title}"})
        findings = [_safe(f) for f in r.findings]
        errors = [f for f in findings if f.accepted is None and f.severity == "error"]
        other = [f for f in findings if f not in errors]
        if r.skipped is not None:
            ET.SubElement(case, "skipped", {"message": r.skipped})
        elif errors:
            failure = ET.SubElement(case, "failure", {"message": errors[0].message, "type": "drift"})
            failure.text = "\n".join(_line(f) for f in errors)
        if other:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"[accepted: {f.accepted}] {f.subject}: {f.message}" if f.accepted else _line(f) for f in other
            )
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(kind: str, title: str, message: str, file: str | None = None) -> str:
    props = f"file={_escape_property(file)}," if file else ""
    return f"::{kind} {props}title={_escape_property(title)}::{_escape_data(message)}"


def _file_of(f: Finding) -> str | None:
    if f.rule in ("lock", "image", "base"):
        return f.name if f.rule == "lock" and f.name != "devparity.lock" and " " not in f.name else "devparity.lock"
    return None


def render_github(outcome: Outcome, project: str) -> str:
    """GitHub Actions workflow commands: ``::error``/``::warning`` per finding,
    ``::notice`` for accepted findings and skipped rules."""
    lines = []
    for r in outcome.results:
        title = f"devparity check ({r.title})"
        if r.skipped is not None:
            lines.append(_annotation("notice", title, f"skipped: {r.skipped}"))
        for f in map(_safe, r.findings):
            if f.accepted is not None:
                lines.append(_annotation("notice", title, f"accepted ({f.accepted}): {f.subject}: {f.message}"))
            else:
                lines.append(_annotation(f.severity, title, f"{f.subject}: {f.message} (fix: {f.fix})", _file_of(f)))
    lines += [_annotation("notice", "devparity check", n) for n in outcome.notes]
    lines.append(summary(outcome))
    return "\n".join(lines) + "\n"


def render(outcome: Outcome, project: str, fmt: str, style: Callable[[str, str], str] | None = None) -> str:
    if fmt == "json":
        return render_json(outcome, project)
    if fmt == "junit":
        return render_junit(outcome, project)
    if fmt == "github":
        return render_github(outcome, project)
    return render_text(outcome, project, style or (lambda t, _c: t))
