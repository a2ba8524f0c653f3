"""Renderers of a check ``Outcome`` (pure): text, json, junit, github.

Every renderer prints only what findings carry, and findings carry only
fingerprint values, whose secrets are masked; they are masked once more here
(devparity.secrets), so a hand-made Finding cannot leak either. Text and
JUnit escape control characters, as the github format does, so a value
from an image cannot forge a line of a CI log.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from devparity import secrets
from devparity.drift.findings import Finding, Outcome
from devparity.errors import EXIT_DRIFT, EXIT_OK
from devparity.ui import escape_controls

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


def _shown(value: Any, name: str, category: str) -> Any:
    """A finding's expected/actual as it may be shown (devparity.secrets)."""
    if category == "env" and isinstance(value, str):
        return secrets.mask_value(name, value)
    if category == "config" and name in ("cmd", "entrypoint"):
        return secrets.mask_command(value)
    return secrets.mask_text(value) if isinstance(value, str) else value


def _safe(f: Finding, *, escape: bool = False) -> Finding:
    """``f`` with secrets masked (idempotent: fingerprints are masked
    already, a hand-made Finding is masked here); ``escape``: control
    characters written as escapes too, for text and JUnit."""
    text = (lambda t: escape_controls(secrets.mask_text(t))) if escape else secrets.mask_text
    return replace(
        f,
        subject=text(f.subject),
        name=text(f.name),
        message=text(f.message),
        fix=text(f.fix),
        expected=_shown(f.expected, f.name, f.category),
        actual=_shown(f.actual, f.name, f.category),
        accepted=text(f.accepted) if f.accepted is not None else None,
    )


def _finding_json(f: Finding) -> dict[str, Any]:
    """A finding in the JSON schema's key order (stable across versions)."""
    fields = asdict(_safe(f))
    return {k: fields[k] for k in _FINDING_KEYS}


def exit_code(outcome: Outcome) -> int:
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
    """Grouped by rule, one line per finding with its fix; ``style(text, colour)`` colours.
    Every value is escaped (``_safe``), so no value can start a line of its own."""
    esc = escape_controls
    lines = [f"devparity check: {esc(project)}"]
    for r in outcome.results:
        status = r.status
        head = f"{_MARK[status]} {esc(r.title)}"
        if r.skipped is not None:
            head += f": skipped ({esc(secrets.mask_text(r.skipped))})"
        elif status == "pass":
            head += ": ok"
        lines.append(style(head, _COLOR[status]))
        for f in (_safe(f, escape=True) for f in r.findings):
            if f.accepted is not None:
                lines.append(style(f"  accepted  {f.subject}: {f.message} ({f.accepted})", "dim"))
            else:
                label = style(f"{f.severity:<7}", "red" if f.severity == "error" else "yellow")
                lines.append(f"  {label}  {f.subject}: {f.message} (fix: {f.fix})")
    lines += [style(f"note: {esc(secrets.mask_text(n))}", "dim") for n in outcome.notes]
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
            {
                "id": r.rule,
                "title": r.title,
                "status": r.status,
                "skipped": secrets.mask_text(r.skipped) if r.skipped is not None else None,
                "findings": len(r.findings),
            }
            for r in outcome.results
        ],
        "findings": [_finding_json(f) for f in outcome.findings],
        "notes": [secrets.mask_text(n) for n in outcome.notes],
    }


def render_json(outcome: Outcome, project: str) -> str:
    return json.dumps(to_json(outcome, project), indent=2, ensure_ascii=False) + "\n"


def _line(f: Finding) -> str:
    return f"[{f.severity}] {f.subject}: {f.message} (fix: {f.fix})"


def render_junit(outcome: Outcome, project: str) -> str:
    """One testcase per rule: failure for errors, skipped for skipped rules;
    warnings and accepted findings go to the testcase's system-out."""
    failures = sum(r.status == "fail" for r in outcome.results)
    skipped = sum(r.status == "skipped" for r in outcome.results)
    counts = {"tests": str(len(outcome.results)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    suites = ET.Element("testsuites", {"name": "devparity check", **counts})
    esc = escape_controls
    suite = ET.SubElement(suites, "testsuite", {"name": f"devparity check: {esc(project)}", **counts})
    for r in outcome.results:
        case = ET.SubElement(suite, "testcase", {"classname": "devparity.check", "name": f"{r.rule}: {r.title}"})
        findings = [_safe(f, escape=True) for f in r.findings]
        errors = [f for f in findings if f.accepted is None and f.severity == "error"]
        other = [f for f in findings if f not in errors]
        if r.skipped is not None:
            ET.SubElement(case, "skipped", {"message": esc(secrets.mask_text(r.skipped))})
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
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_controls(text)  # the other controls (ESC, NUL, bidi overrides)


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
            lines.append(_annotation("notice", title, f"skipped: {secrets.mask_text(r.skipped)}"))
        for f in map(_safe, r.findings):
            if f.accepted is not None:
                lines.append(_annotation("notice", title, f"accepted ({f.accepted}): {f.subject}: {f.message}"))
            else:
                lines.append(_annotation(f.severity, title, f"{f.subject}: {f.message} (fix: {f.fix})", _file_of(f)))
    lines += [_annotation("notice", "devparity check", secrets.mask_text(n)) for n in outcome.notes]
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
