"""Rule ``release`` (issue 9): the image this engine builds from the locked
inputs against the image `devparity push` released, by fingerprint hash
(devparity.release). It runs only when devparity.lock records a release, so
a project that never pushed sees the six rules it always did. Pure, but for
``gather``, which asks the engine through check's seam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devparity import release, ui
from devparity.drift.findings import Finding, Skipped
from devparity.release import Release

if TYPE_CHECKING:
    from devparity.drift.gather import Engine, LockFacts
    from devparity.plan import BuildPlan

TITLE = "built image vs release"


@dataclass(frozen=True)
class ReleaseFacts:
    release: Release
    fingerprint: str  # fingerprint_hash of the image built here from the locked inputs
    source: str  # the current source hash


def gather(eng: Engine, plan: BuildPlan, lf: LockFacts) -> ReleaseFacts | Skipped | None:
    """None when the lock records no release. Side effects: builds the prod
    image for the current source when none exists (check's secrets step
    asks for the same image, so the build happens once)."""
    lk = lf.lock
    if lk is None or lk.release is None:
        return None if not lf.edited else Skipped("devparity.lock was edited by hand")
    if lf.stale:
        return Skipped("devparity.lock is stale; `devparity lock` and `devparity push` release the new inputs")
    result = eng.ensure_image(plan, salt=lf.salt, with_source=True, on_line=ui.progress)
    fp = eng.fingerprint_image(result.id, project=plan.config.name, salt=lf.salt)
    return ReleaseFacts(lk.release, release.fingerprint_hash(fp), plan.source_hash)


def rule_release(facts: ReleaseFacts | Skipped) -> list[Finding] | Skipped:
    if isinstance(facts, Skipped):
        return facts
    rel, out = facts.release, []
    if facts.fingerprint != rel.fingerprint:
        out.append(
            Finding(
                "release",
                "error",
                "image",
                "image",
                rel.tagged,
                f"the image this engine builds from the locked inputs differs from the released {rel.ref} "
                f"(fingerprint {facts.fingerprint} here, {rel.fingerprint} released)",
                "compare them (`devparity snapshot` of both, then `devparity diff`); pin what moved in the dependency "
                "files, or `devparity lock` and `devparity push` to release this build",
                expected=rel.fingerprint,
                actual=facts.fingerprint,
            )
        )
    if facts.source != rel.source:
        out.append(
            Finding(
                "release",
                "warning",
                "image",
                "source",
                rel.tagged,
                f"the source changed since {rel.tagged} was released",
                "release it: `devparity push`",
                expected=rel.source,
                actual=facts.source,
            )
        )
    return out
