"""`devparity push`: the locked image, released to a registry as
``REGISTRY/NAME:<inputs>-<source>`` and recorded in devparity.lock's
``release`` section (devparity.release). The same inputs and source pushed
again are a no-op; a build of them on another engine is checked against
the released fingerprint first."""

from __future__ import annotations

from devparity import builder, lock, plan, release, secrets, ui
from devparity.drift import fingerprint
from devparity.engine import registry as reg
from devparity.errors import EXIT_OK, NotReleasable, UsageError
from devparity.project import Project
from devparity.release import Release


def fresh_lock(project: Project, command: str) -> lock.Lock:
    """The project's lock when it is trustworthy and up to date; otherwise
    NotReleasable (exit 1) saying why and what to run."""
    cfg, lk = project.config, project.lock
    if lk is None:
        raise NotReleasable(f"devparity {command} needs devparity.lock", hint="run `devparity lock`")
    edited = lock.disagreements(cfg, lk)
    if edited:
        raise lock.edited(edited)
    changed = lock.stale_inputs(cfg, lk, plan.for_project(project).inputs)
    if changed:
        raise NotReleasable(
            f"devparity.lock is stale (changed since it was written: {', '.join(changed)}), so devparity {command} refuses",
            hint="run `devparity lock`, then `devparity push`",
        )
    return lk


def push(project: Project, *, registry: str | None = None) -> int:
    cfg = project.config
    where = registry or cfg.release_registry
    if not where:
        raise UsageError("devparity push needs a registry", hint="pass --registry HOST[:PORT] or set [release].registry")
    from devparity import validate

    if validate.registry(where):
        raise UsageError(f"--registry {validate.registry(where)}")
    lk = fresh_lock(project, "push")
    salt = secrets.salt_of(lk)
    p = plan.for_project(project)
    result = builder.ensure(p, salt=salt, with_source=True, on_line=ui.progress)
    fp_hash = release.fingerprint_hash(fingerprint.fingerprint_image(result.id, project=cfg.name, salt=salt))
    repo = release.repository(where, cfg.name)
    tag = release.tag(p.inputs.hash, p.source_hash)
    ref = f"{repo}:{tag}"
    recorded = lk.release
    there = reg.digest_of(ref)
    if recorded is not None and (recorded.repository, recorded.tag) == (repo, tag):
        _same_fingerprint(recorded, fp_hash)
        if there == recorded.digest:
            ui.ok(f"already released: {recorded.ref} holds these inputs and source (nothing pushed)")
            return EXIT_OK
        # the tag was moved or deleted in the registry since: push ours again
    elif there is not None:
        # Another engine (CI's) pushed these inputs and source first: adopt
        # its image once this build's fingerprint matches it.
        image_id = reg.pull(f"{repo}@{there}")
        theirs = release.fingerprint_hash(fingerprint.fingerprint_image(image_id, project=cfg.name, salt=salt))
        rel = Release(where, repo, tag, there, image_id, p.inputs.hash, p.source_hash, theirs)
        _same_fingerprint(rel, fp_hash)
        lock.write(cfg, lock.with_release(lk, rel))
        ui.ok(f"{ref} was already in the registry with a matching fingerprint; recorded {rel.ref} in devparity.lock (nothing pushed)")
        return EXIT_OK
    ui.info(f"pushing {ref}")
    digest = reg.push(result.id, repo, tag)
    rel = Release(where, repo, tag, digest, result.id, p.inputs.hash, p.source_hash, fp_hash)
    lock.write(cfg, lock.with_release(lk, rel))
    ui.ok(f"released {rel.ref}; recorded in devparity.lock")
    return EXIT_OK


def _same_fingerprint(rel: Release, here: str) -> None:
    if rel.fingerprint != here:
        raise NotReleasable(
            f"the image this engine builds from the locked inputs differs from the released {rel.tagged} "
            f"(fingerprint {here[:19]} here, {rel.fingerprint[:19]} released)",
            hint="compare them with `devparity diff lock prod` or `devparity snapshot`; rebuild on a clean engine, or `devparity lock` to record this build",
        )
