"""`devparity check`, the CI gate: one build plan, the facts gathered in
explicit steps (devparity.drift.gather), the pure rules decide
(devparity.drift.rules), and the report goes to stdout.
"""

from __future__ import annotations

import sys

from devparity import lock, plan, secrets, targetref, ui
from devparity.drift import gather, release_rule, report, rules
from devparity.errors import UsageError
from devparity.project import Project


def check(
    project: Project,
    *,
    fmt: str = "text",
    offline: bool = False,
    strict: bool = False,
    engine: gather.Engine | None = None,
    targets: list[str] | None = None,
) -> int:
    """``engine``: the seam the steps ask (tests pass a fake); ``targets``:
    where prod runs (``--target``; default ``[check].targets``)."""
    if fmt not in report.FORMATS:
        raise UsageError(f"check --format must be one of {', '.join(report.FORMATS)}, got {fmt!r}")
    cfg = project.config
    wanted = _targets(targets if targets is not None else list(cfg.check_targets))  # before any engine is asked
    host = gather.HostProbe(cfg.language)  # runs while the engine is asked
    try:
        return _check(project, host, wanted, fmt=fmt, offline=offline, strict=strict, engine=engine)
    finally:
        host.close()  # a check that failed early leaves no probe process behind


def _check(
    project: Project,
    host: gather.HostProbe,
    wanted: list[targetref.TargetRef],
    *,
    fmt: str,
    offline: bool,
    strict: bool,
    engine: gather.Engine | None,
) -> int:
    cfg, lk = project.config, project.lock
    # A hand-edited lock's pin is not trusted: the plan builds FROM the tag.
    edited = bool(lk and lock.disagreements(cfg, lk))
    eng = engine or gather.Live()
    if not edited and isinstance(eng, gather.Live):
        # the containers' changes are asked for now, to overlap with the rest
        eng.prefetch(cfg, secrets.salt_of(lk))
    p = plan.make(cfg, lk.pin_for(cfg) if lk and not edited else None)
    started = None
    if wanted:
        from devparity.drift import remote

        started = remote.start(wanted, p, lk)  # in the background, each through its own engine client
    facts = gather.gather(eng, p, lk, host=host, offline=offline)
    extra: list[rules.Extra] = []
    released = release_rule.gather(eng, p, gather.lock_facts(p, lk))
    if released is not None:
        extra.append(("release", release_rule.TITLE, release_rule.rule_release(released)))
    if started is not None:
        extra += started.result(facts)
    outcome = rules.evaluate(facts, list(cfg.allow), strict=strict, extra=extra)
    ui.out(report.render(outcome, cfg.name, fmt, style=lambda t, c: ui.style(t, c, sys.stdout)).rstrip("\n"))
    return report.exit_code(outcome)


def _targets(texts: list[str]) -> list[targetref.TargetRef]:
    out = []
    for text in texts:
        try:
            out.append(targetref.parse(text))
        except targetref.TargetError as exc:
            raise UsageError(f"check --target {exc.reason}", hint="docker://ENGINE or swarm://SERVICE[@ENGINE]") from None
    return out
