"""`devparity check`, the CI gate: gather the facts in one thin place (lock,
the image the config builds, the base tag's registry digest, live
containers, the host's runtime), let the pure rules decide
(devparity.drift.rules), and print the report on stdout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from devparity import builder, lock, runtimes, secrets, ui
from devparity.drift.findings import BaseFacts, ContainerFacts, Facts, SecretFile, Skipped
from devparity.errors import RegistryError, UsageError
from devparity.project import Project

if TYPE_CHECKING:
    from devparity.engine.models import ContainerInfo

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")
DISTRUSTED = Skipped("devparity.lock was edited by hand")


def check(project: Project, *, fmt: str = "text", offline: bool = False, strict: bool = False) -> int:
    from devparity.drift import report, rules

    if fmt not in report.FORMATS:
        raise UsageError(f"check --format must be one of {', '.join(report.FORMATS)}, got {fmt!r}")
    cfg, lk = project.config, project.lock
    host = HostProbe(cfg.language)  # runs while the engine is asked
    edited = tuple(lock.disagreements(cfg, lk)) if lk else ()
    stale = tuple(lock.stale_inputs(cfg, lk)) if lk else None
    locked: dict[str, Any] | Skipped = Skipped("there is no devparity.lock")
    if lk is not None:
        locked = lk.fingerprint or Skipped("devparity.lock records no fingerprint; run `devparity lock`")
    if edited:
        # Nothing a hand-edited lock records can be trusted, its pin least of
        # all: the rules that compare with it stand down; the lock rule fails.
        lk, locked = None, DISTRUSTED
    current_inputs = builder.plan(cfg, lk, with_source=False).inputs.hash
    facts = Facts(
        language=cfg.language,
        version=cfg.version,
        dep_files=cfg.dep_files,
        workdir=cfg.workdir,
        dev_env=secrets.mask_env(cfg.dev_env, secrets.salt_of(lk)),
        stale=stale,
        locked=locked,
        image=_image(project, stale, locked),
        base=DISTRUSTED if edited else _base(project, offline),
        current_inputs=current_inputs,
        containers=DISTRUSTED if edited else _containers(project, stale, current_inputs),
        host=host.result(),
        app_secrets=DISTRUSTED if edited else _app_secrets(project, stale),
        edited=edited,
    )
    allow = list(cfg.allow)
    outcome = rules.evaluate(facts, allow, strict=strict)
    ui.out(report.render(outcome, cfg.name, fmt, style=lambda t, c: ui.style(t, c, sys.stdout)).rstrip("\n"))
    return report.exit_code(outcome)


def _image(project: Project, stale: tuple[str, ...] | None, locked: object) -> dict[str, Any] | Skipped:
    """The fingerprint of the image the current config builds (cached by image
    id). Side effects: builds that image when no image has these inputs, as
    on a fresh CI machine; the first fingerprint of an image reads its files."""
    from devparity.drift import fingerprint

    if isinstance(locked, Skipped):
        return locked
    if stale:
        return Skipped("devparity.lock is stale; `devparity lock` rebuilds and re-records the image")
    cfg = project.config
    result = builder.ensure(cfg, project.lock, with_source=False, on_line=ui.progress)
    if result.built:
        ui.note(f"built the image for the current config ({result.id.removeprefix('sha256:')[:12]})")
    return fingerprint.fingerprint_image(result.id, project=cfg.name, salt=secrets.salt_of(project.lock))


SECRET_SCAN_VERSION = 1  # bump when classify_file changes: cached scans are redone


def _app_secrets(project: Project, stale: tuple[str, ...] | None) -> tuple[SecretFile, ...] | Skipped:
    """Secret-looking files in the prod image's workdir (the image `build`
    makes for the current source). Side effects: builds that image when it
    does not exist (only the source layer, as in ``_hidden_in_prod``); on a
    cache miss reads the workdir through the archive API (never exec) and
    writes ``cache_dir("secret-scan")/<image id>.json`` (paths and kinds only)."""
    import json

    from devparity import secrets
    from devparity.cache import atomic_write_text, cache_dir
    from devparity.engine import archive

    if project.lock is None:
        return Skipped("there is no devparity.lock")
    if stale:
        return Skipped("devparity.lock is stale; `devparity lock` rebuilds the image")
    cfg = project.config
    result = builder.ensure(cfg, project.lock, with_source=True, on_line=ui.progress)
    path = cache_dir("secret-scan") / f"{result.id}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("version") == SECRET_SCAN_VERSION:
            return tuple(SecretFile(p, r) for p, r in cached["files"])
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        pass
    root = cfg.workdir.rstrip("/")
    found = []
    with archive.open_reader(archive.Target("image", result.id, cfg.name)) as reader:
        for rel, data in reader.walk(cfg.workdir, lambda _rel: True, max_size=secrets.SCAN_MAX_BYTES):
            reason = secrets.classify_file(rel, data)
            if reason:
                found.append((f"{root}/{rel}", reason))
    atomic_write_text(path, json.dumps({"version": SECRET_SCAN_VERSION, "files": sorted(found)}))
    return tuple(SecretFile(p, r) for p, r in sorted(found))


def _base(project: Project, offline: bool) -> BaseFacts | Skipped:
    from devparity.engine import images

    lk = project.lock
    if lk is None:
        return Skipped("there is no devparity.lock")
    if offline:
        return Skipped("--offline")
    if lk.base_source != "registry" or not lk.base_digest:
        return Skipped(f"{lk.base_ref} is pinned local-only (no registry to compare with)")
    try:
        now = images.registry_digest(lk.base_ref)
    except RegistryError as exc:  # an error finding, not a skip: see rules.rule_base
        return BaseFacts(lk.base_ref, lk.base_digest, None, unreachable=_reason(exc))
    return BaseFacts(lk.base_ref, lk.base_digest, now)


def _reason(exc: RegistryError) -> str:
    """The registry error's cause, without the "cannot resolve REF" prefix
    the finding already says, on one line."""
    text = exc.message.partition(" in its registry: ")[2] or exc.message
    return " ".join(text.split())[:300]


def _containers(project: Project, stale: tuple[str, ...] | None, current_inputs: str) -> tuple[ContainerFacts, ...]:
    """Live dev/prod containers with their image's fingerprint.
    Side effects: reads each container's files, and its image's on a cache miss;
    for a dev container, see ``_hidden_in_prod``."""
    from devparity.drift import fingerprint, targets

    name = project.config.name
    salt = secrets.salt_of(project.lock)

    def facts(c: ContainerInfo) -> ContainerFacts:
        fp = fingerprint.fingerprint_container(c.id, project=name, salt=salt)
        role, inputs = c.role or "", c.inputs  # inputs: inherited from its image
        hidden_in = "its image"
        if role == "dev" and not stale and inputs == current_inputs:
            hidden = _hidden_in_prod(project, fp)
            if hidden is not None:
                fp, hidden_in = {**fp, "hidden_paths": hidden}, "the prod image"
        image_fp = fingerprint.fingerprint_image(fp["image_id"], project=name, salt=salt)
        return ContainerFacts(role, c.name, fp, image_fp, inputs, hidden_in)

    running = targets.running_containers(project.config)  # this checkout's only
    if len(running) < 2:
        return tuple(facts(c) for c in running)
    # Reading a container's files is mostly waiting on the engine: dev and
    # prod are read side by side. map() re-raises a worker's error here.
    with ThreadPoolExecutor(max_workers=len(running)) as pool:
        return tuple(pool.map(facts, running))


def _hidden_in_prod(project: Project, dev: dict[str, Any]) -> list[str] | None:
    """Files the prod image for the current source has under the workdir that
    the dev mount's host directory lacks; None without such a mount.

    The dev container's own image may carry source older than the host's
    (it is reused while only the source changes), so a file deleted on the
    host since is no drift; the prod image for the current source is the
    reference. Side effects: builds that image when it does not exist yet
    (the dependency layers come from the cache: only the source is copied).
    """
    from devparity.drift.filters import hidden_paths
    from devparity.drift.fingerprint import host_files
    from devparity.engine import archive

    cfg = project.config
    mount = next(
        (m for m in dev.get("mounts") or [] if m.get("type") == "bind" and m.get("destination") == cfg.workdir), None
    )
    if mount is None or not os.path.isdir(str(mount["source"])):
        return None
    announced: list[bool] = []

    def on_line(_line: str) -> None:  # one note instead of the build log: a side step of check
        if not announced:
            announced.append(True)
            ui.note("building the prod image for the current source, to compare the dev mount with")

    result = builder.ensure(cfg, project.lock, with_source=True, on_line=on_line)
    files = archive.list_tree(archive.Target("image", result.id, cfg.name), cfg.workdir)
    return [f"{cfg.workdir}/{rel}" for rel in hidden_paths(files, host_files(str(mount["source"])))]


class HostProbe:
    """The host's runtime version, asked in the background (the runtime plugin's ``host_commands``)."""

    def __init__(self, language: str) -> None:
        self._argvs = runtimes.get(language).host_commands if language in runtimes.RUNTIMES else ()
        argv = next((a for a in self._argvs if shutil.which(a[0])), None)
        self.command = " ".join(argv) if argv else None
        self._proc: subprocess.Popen[str] | None = None
        self._language = language
        if argv:
            self._proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self) -> str | Skipped:
        if self._proc is None:
            names = " or ".join(a[0] for a in self._argvs) or self._language
            return Skipped(f"{names} is not on the host's PATH")
        try:
            out, _ = self._proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            return Skipped(f"`{self.command}` did not answer in 10 s")
        m = _VERSION.search(out or "")
        if self._proc.returncode != 0 or not m:
            return Skipped(f"`{self.command}` printed no version")
        return m.group(1)
