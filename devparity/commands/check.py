"""`devparity check`, the CI gate: one build plan, the facts gathered in
explicit steps (devparity.drift.gather), the pure rules decide
(devparity.drift.rules), and the report goes to stdout.
"""

from __future__ import annotations

import sys

from devparity import lock, plan, secrets, ui
from devparity.drift import gather, report, rules
from devparity.errors import UsageError
from devparity.project import Project


def check(
    project: Project, *, fmt: str = "text", offline: bool = False, strict: bool = False, engine: gather.Engine | None = None
) -> int:
    """``engine``: the seam the steps ask (tests pass a fake)."""
    if fmt not in report.FORMATS:
        raise UsageError(f"check --format must be one of {', '.join(report.FORMATS)}, got {fmt!r}")
    cfg, lk = project.config, project.lock
    host = gather.HostProbe(cfg.language)  # runs while the engine is asked
    # A hand-edited lock's pin is not trusted: the plan builds FROM the tag.
    edited = bool(lk and lock.disagreements(cfg, lk))
    eng = engine or gather.Live()
    if not edited and isinstance(eng, gather.Live):
        # the containers' changes are asked for now, to overlap with the rest
        eng.prefetch(cfg, secrets.salt_of(lk))
    p = plan.make(cfg, lk.pin_for(cfg) if lk and not edited else None)
    facts = gather.gather(eng, p, lk, host=host, offline=offline)
    outcome = rules.evaluate(facts, list(cfg.allow), strict=strict)
    ui.out(report.render(outcome, cfg.name, fmt, style=lambda t, c: ui.style(t, c, sys.stdout)).rstrip("\n"))
    return report.exit_code(outcome)
