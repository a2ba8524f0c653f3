"""`check --target`: where prod runs (issue 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devparity.errors import UsageError

if TYPE_CHECKING:
    from devparity.drift.findings import Facts
    from devparity.drift.rules import Extra
    from devparity.lock import Lock
    from devparity.plan import BuildPlan
    from devparity.targetref import TargetRef


def check_targets(wanted: list[TargetRef], plan: BuildPlan, lk: Lock | None, facts: Facts) -> list[Extra]:
    raise UsageError("check --target is not available yet")
