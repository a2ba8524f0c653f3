"""The rules of `devparity check`: pure functions from gathered ``Facts`` to
``Finding``s. Nothing here touches the engine, the registry or the disk;
``devparity.commands.check`` gathers the facts, ``devparity.drift.report``
renders the outcome.

Rule ids (stable, used by ``[check].allow`` and every report format):
``lock`` (inputs changed since the lock, or the lock edited by hand), ``image`` (the image the current
config builds vs the locked fingerprint), ``base`` (the base tag's registry
digest vs the pinned one), ``containers`` (live dev/prod containers vs their
image, see ``devparity.drift.live``), ``host`` (the host's runtime vs the
pinned version), ``secrets`` (secret-looking files in the prod image's
app dir), and for backing services (issue 8, devparity.drift.service_rules)
``service-pins``, ``services``, ``service-images`` and ``service-versions``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import List, Tuple, Union
from dataclasses import replace

from devparity import runtimes
from devparity.config import AllowRule
from devparity.drift import service_rules
from devparity.drift.container_rule import rule_containers
from devparity.drift.diff import Change, diff
from devparity.drift.findings import Facts, Finding, Outcome, RuleResult, Skipped, comparable, describe
from devparity.drift.parsers import normalize_name
from devparity.runtimes.plugin import same_release


def rule_lock(facts: Facts) -> list[Finding] | Skipped:
    fix = "run `devparity lock`"
    if facts.stale is None:
        return [
            Finding("lock", "error", "lock", "devparity.lock", "devparity.lock", "devparity.lock does not exist", fix)
        ]
    edited = [
        Finding(
            "lock",
            "error",
            "lock",
            "devparity.lock",
            "devparity.lock",
            f"devparity.lock was edited by hand: {'; '.join(facts.edited)}",
            fix,
        )
    ] if facts.edited else []
    return edited + [
        Finding(
            "lock", "error", "lock", "devparity.lock", name, f"{name} changed since devparity.lock was written", fix
        )
        for name in facts.stale
    ]


def _pin_fix(c: Change, dep_files: tuple[str, ...]) -> str:
    where = " or ".join(dep_files) or "the dependency files"
    eco = runtimes.ecosystems().get(c.ecosystem or "") if c.category == "package" else None
    if eco and eco.pin and c.kind == "changed" and c.a:
        return f"pin {eco.pin(c.name, c.a)} in {where}, or run `devparity lock` to accept {c.b}"
    if eco:
        return f"pin the dependencies in {where}, or run `devparity lock` to accept the change"
    return "run `devparity lock` to record the image the config builds now"


def rule_image(facts: Facts) -> list[Finding] | Skipped:
    if isinstance(facts.locked, Skipped):
        return facts.locked
    if isinstance(facts.image, Skipped):
        return facts.image
    side_a, side_b = "devparity.lock", "the image the current config builds"
    return [
        Finding(
            "image",
            "error",
            c.category,
            "image",
            c.name,
            describe(c, side_a, side_b),
            _pin_fix(c, facts.dep_files),
            c.ecosystem,
            c.a,
            c.b,
        )
        for c in diff(comparable(facts.locked), comparable(facts.image))
    ]


def rule_secrets(facts: Facts) -> list[Finding] | Skipped:
    """Files in the prod image's app dir that look like secrets: named by
    path and kind, never by value (the value is what must not spread)."""
    if isinstance(facts.app_secrets, Skipped):
        return facts.app_secrets
    return [
        Finding(
            "secrets",
            "error",
            "secret",
            "image",
            s.path,
            f"{s.path} in the prod image looks like a secret ({s.reason}): anyone who can pull the image can read it",
            "keep it out of the image (remove it from [build].include or from the source; `devparity build` leaves "
            ".env files, private keys and credential files out by default), rotate it, then `devparity build`",
        )
        for s in facts.app_secrets
    ]


def rule_base(facts: Facts) -> list[Finding] | Skipped:
    if isinstance(facts.base, Skipped):
        return facts.base
    b = facts.base
    if b.now is None:
        # A gate that cannot compare must not pass silently (issue 7): an
        # error, with the switch that skips the comparison on purpose.
        return [
            Finding(
                "base",
                "error",
                "base",
                f"registry of {b.ref}",
                b.ref,
                f"cannot be reached, so the digest devparity.lock pins for {b.ref} was not compared with it"
                + (f" ({b.unreachable})" if b.unreachable else ""),
                "check the network or the registry, or run `devparity check --offline` to skip the base comparison",
                expected=b.locked,
            )
        ]
    if b.now == b.locked:
        return []
    return [
        Finding(
            "base",
            "error",
            "base",
            f"registry of {b.ref}",
            b.ref,
            f"base image {b.ref} now resolves to {b.now} in its registry; devparity.lock pins {b.locked}",
            f"review the new base, then run `devparity lock` to adopt it (or push {b.locked} back under the tag)",
            expected=b.locked,
            actual=b.now,
        )
    ]


def rule_host(facts: Facts) -> list[Finding] | Skipped:
    if isinstance(facts.host, Skipped):
        return facts.host
    if same_release(facts.version, facts.host):
        return []
    lang = facts.language
    return [
        Finding(
            "host",
            "warning",
            "host",
            "host",
            lang,
            f"the host's {lang} is {facts.host}; devparity.toml pins {facts.version}",
            f"install {lang} {facts.version} on the host ({_managers(lang)}), "
            f"or run tools in the container: `devparity exec dev -- ...`",
            expected=facts.version,
            actual=facts.host,
        )
    ]


def _managers(language: str) -> str:
    """Where the host-vs-pin fix points a developer (the runtime plugin says)."""
    runtime = runtimes.RUNTIMES.get(language)
    return runtime.version_managers if runtime else "asdf, mise"


# A rule that returns None does not apply to this project (the service
# rules of a project without services) and is not listed.
RULES: tuple[tuple[str, str, Callable[[Facts], list[Finding] | Skipped | None]], ...] = (
    ("lock", "lock freshness", rule_lock),
    ("image", "image vs lock", rule_image),
    ("base", "base image digest", rule_base),
    ("containers", "live containers vs image", rule_containers),
    ("host", "host runtime vs pin", rule_host),
    ("secrets", "secrets in the image", rule_secrets),
    ("service-pins", "service image digests", service_rules.rule_service_pins),
    ("services", "live services vs image", service_rules.rule_services),
    ("service-images", "service images vs lock, dev vs prod", service_rules.rule_service_images),
    ("service-versions", "service data vs server version", service_rules.rule_service_versions),
)


def _matches(entry: AllowRule, f: Finding) -> bool:
    if entry.rule not in (f.rule, f.category):
        return False
    names = {f.name, normalize_name(f.name)} if f.category == "package" else {f.name}
    return any(fnmatch.fnmatchcase(n, entry.name) for n in names)


# (rule id, title, findings or Skipped); typing.Union: evaluated at run time, on 3.9 too
Extra = Tuple[str, str, Union[List[Finding], Skipped]]


def evaluate(
    facts: Facts, allow: Iterable[AllowRule] = (), *, strict: bool = False, extra: Iterable[Extra] = ()
) -> Outcome:
    """Run every rule; accept allowed findings; under ``strict`` warnings are
    errors. ``extra``: results decided elsewhere (the release rule, each
    `--target`), as (rule id, title, findings or Skipped), after the rules."""
    entries = list(allow)
    used: set[AllowRule] = set()
    results = []
    decided = [(rule_id, title, fn(facts)) for rule_id, title, fn in RULES]
    for rule_id, title, got in [*decided, *extra]:
        if got is None:
            continue
        if isinstance(got, Skipped):
            results.append(RuleResult(rule_id, title, skipped=got.reason))
            continue
        findings = []
        for f in got:
            if strict and f.severity == "warning":
                f = replace(f, severity="error")
            entry = next((e for e in entries if _matches(e, f)), None)
            if entry is not None:
                used.add(entry)
                f = replace(f, accepted=entry.reason or "allowed in [check].allow")
            findings.append(f)
        results.append(RuleResult(rule_id, title, tuple(findings)))
    notes = tuple(
        f"[check].allow entry {{ rule = {e.rule!r}, name = {e.name!r} }} matched nothing"
        for e in entries
        if e not in used
    )
    return Outcome(tuple(results), notes)
