"""`devparity push`: the locked image, released to a registry as
``REGISTRY/NAME:<inputs>-<source>`` and recorded in devparity.lock's
``release`` section (devparity.release). The same inputs and source pushed
again are a no-op; a build of them on another engine is checked against
the released fingerprint first. A ``[services.NAME]`` image the lock pins
local-only (no registry digest: a swarm node could not pull it) is pushed
beside it as ``REGISTRY/NAME-SERVICE:<image id>`` and recorded in
``release.services``; one pinned by registry digest is deployed from there."""

from __future__ import annotations

from dataclasses import replace

from devparity import builder, lock, lock_services, plan, release, secrets, ui
from devparity.drift import fingerprint
from devparity.engine import images
from devparity.engine import registry as reg
from devparity.errors import EXIT_OK, NotReleasable, UsageError
from devparity.project import Project
from devparity.release import Release, ServiceRelease


def fresh_lock(project: Project, command: str) -> lock.Lock:
    """The project's lock when it is trustworthy and up to date; otherwise
    NotReleasable (exit 1) saying why and what to run."""
    cfg, lk = project.config, project.lock
    if lk is None:
        raise NotReleasable(f"devparity {command} needs devparity.lock", hint="run `devparity lock`")
    edited = lock.disagreements(cfg, lk)
    if edited:
        raise lock.edited(edited)
    changed = lock.stale_inputs(cfg, lk, plan.for_project(project).inputs) + lock_services.stale_services(cfg, lk)
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
            return _finish(project, lk, recorded, f"already released: {recorded.ref} holds these inputs and source (nothing pushed)")
        # the tag was moved or deleted in the registry since: push ours again
    elif there is not None:
        # Another engine (CI's) pushed these inputs and source first: adopt
        # its image once this build's fingerprint matches it.
        image_id = reg.pull(f"{repo}@{there}")
        theirs = release.fingerprint_hash(fingerprint.fingerprint_image(image_id, project=cfg.name, salt=salt))
        rel = Release(where, repo, tag, there, image_id, p.inputs.hash, p.source_hash, theirs)
        _same_fingerprint(rel, fp_hash)
        return _finish(project, lk, rel, f"{ref} was already in the registry with a matching fingerprint; recorded {rel.ref} in devparity.lock (nothing pushed)")
    ui.info(f"pushing {ref}")
    digest = reg.push(result.id, repo, tag)
    rel = Release(where, repo, tag, digest, result.id, p.inputs.hash, p.source_hash, fp_hash)
    return _finish(project, lk, rel, f"released {rel.ref}; recorded in devparity.lock")


def _finish(project: Project, lk: lock.Lock, rel: Release, said: str) -> int:
    """Push the local-only service images beside ``rel``, then record what
    changed (nothing written when nothing did: the same inputs are a no-op)."""
    before = lk.release
    if before is not None and (before.repository, before.tag) == (rel.repository, rel.tag):
        rel = replace(rel, services=before.services)
    done = replace(rel, services=_push_services(project, lk, rel))
    if done != before:
        lock.write(project.config, lock.with_release(lk, done))
    ui.ok(said)
    return EXIT_OK


def _push_services(project: Project, lk: lock.Lock, rel: Release) -> dict[str, ServiceRelease]:
    out: dict[str, ServiceRelease] = {}
    for name, entry in sorted(lk.services.items()):
        if entry["source"] != "local":
            continue  # deployed by its registry digest
        image_id = str(entry["digest"])  # a local-only pin is the image id
        repo = release.service_repository(rel.registry, project.config.name, name)
        tag = release.service_tag(image_id)
        recorded = rel.services.get(name)
        if recorded is not None and (recorded.repository, recorded.tag, recorded.image_id) == (repo, tag, image_id):
            if reg.digest_of(recorded.tagged) == recorded.digest:
                out[name] = recorded
                continue
        if images.find(image_id) is None:
            raise NotReleasable(
                f"service {name}'s image {entry['ref']} is pinned local-only and that image is not on this engine, so it cannot be pushed",
                hint=f"load or build {entry['ref']} here (or run `devparity push` where it was locked), or pin a registry image",
            )
        ui.info(f"pushing {repo}:{tag} (service {name}'s local-only image {entry['ref']})")
        out[name] = ServiceRelease(repo, tag, reg.push(image_id, repo, tag), image_id)
        ui.ok(f"released service {name} as {out[name].ref}")
    return out


def _same_fingerprint(rel: Release, here: str) -> None:
    if rel.fingerprint != here:
        raise NotReleasable(
            f"the image this engine builds from the locked inputs differs from the released {rel.tagged} "
            f"(fingerprint {here[:19]} here, {rel.fingerprint[:19]} released)",
            hint="compare them with `devparity diff lock prod` or `devparity snapshot`; rebuild on a clean engine, or `devparity lock` to record this build",
        )
