"""`check`'s facts, gathered in explicit steps, each fed the command's build
plan (devparity.plan, made once) and an engine seam (``Engine``): lock
facts (no engine), image facts, base facts, container facts, secrets-scan
facts and host facts. ``gather`` runs them in order; tests run each alone
with a fake engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from devparity import builder, lock_services, runtimes, secrets, ui
from devparity import lock as lock_mod
from devparity.builder import ImageResult
from devparity.cache import atomic_write_text, cache_dir
from devparity.drift import fingerprint, hostcache, service_gather, targets
from devparity.drift.filters import hidden_paths
from devparity.drift.findings import BaseFacts, ContainerFacts, Facts, SecretFile, Skipped
from devparity.drift.fingerprint import host_files
from devparity.drift.prefetch import Prefetch
from devparity.drift.process_facts import Once, declared
from devparity.engine import archive, images
from devparity.engine.models import ContainerInfo
from devparity.errors import RegistryError
from devparity.lock import Lock
from devparity.plan import BuildPlan

if TYPE_CHECKING:
    from devparity.config import Config

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")
DISTRUSTED = Skipped("devparity.lock was edited by hand")
SECRET_SCAN_VERSION = 1  # bump when classify_file changes: cached scans are redone


class Engine(Protocol):
    """What the steps ask of the engine (``Live`` is the real one)."""

    def ensure_image(self, plan: BuildPlan, *, salt: str, with_source: bool, on_line: Callable[[str], None]) -> ImageResult: ...
    def fingerprint_image(self, image_id: str, *, project: str, salt: str) -> dict[str, Any]: ...
    def fingerprint_container(self, cid: str, *, project: str, salt: str) -> dict[str, Any]: ...
    def registry_digest(self, ref: str) -> str: ...
    def running_containers(self, plan: BuildPlan) -> list[ContainerInfo]: ...
    def list_image_tree(self, image_id: str, *, project: str, path: str) -> list[str]: ...
    def walk_image(self, image_id: str, *, project: str, path: str, max_size: int) -> Iterator[tuple[str, bytes]]: ...
    # issue 8 (devparity.drift.service_gather): asked only when the project has services
    def running_services(self, config: Config) -> list[ContainerInfo]: ...
    def image_id(self, ref: str) -> str | None: ...
    def read_container_file(self, cid: str, path: str) -> bytes | None: ...


@dataclass(frozen=True)
class LockFacts:
    edited: tuple[str, ...]  # where a hand edit shows; non-empty: nothing in the lock is trusted
    stale: tuple[str, ...] | None  # None: there is no lock
    locked: Mapping[str, Any] | Skipped  # the lock's fingerprint
    lock: Lock | None  # the lock, when there is one and it can be trusted
    salt: str  # masks are keyed with it
    # services added, removed or changed since the lock (issue 8): the lock
    # rule names them; the app's image rules still compare
    stale_services: tuple[str, ...] = ()


def lock_facts(plan: BuildPlan, lk: Lock | None) -> LockFacts:
    """The lock against the plan's inputs (no file is read again). Pure."""
    cfg = plan.config
    if lk is None:
        return LockFacts((), None, Skipped("there is no devparity.lock"), None, secrets.salt_of(None))
    edited = tuple(lock_mod.disagreements(cfg, lk))
    stale = tuple(lock_mod.stale_inputs(cfg, lk, plan.inputs))
    if edited:
        # Nothing a hand-edited lock records can be trusted, its pin least of
        # all: the rules that compare with it stand down; the lock rule fails.
        return LockFacts(edited, stale, DISTRUSTED, None, secrets.salt_of(None))
    locked = lk.fingerprint or Skipped("devparity.lock records no fingerprint; run `devparity lock`")
    return LockFacts(edited, stale, locked, lk, secrets.salt_of(lk), tuple(lock_services.stale_services(cfg, lk)))


def _not_comparable(lf: LockFacts, what: str) -> Skipped | None:
    if lf.edited:
        return DISTRUSTED
    if lf.lock is None:
        return Skipped("there is no devparity.lock")
    if lf.stale:
        return Skipped(f"devparity.lock is stale; `devparity lock` {what}")
    return None


def image_facts(eng: Engine, plan: BuildPlan, lf: LockFacts) -> Mapping[str, Any] | Skipped:
    """The fingerprint of the image the current config builds. Side effects:
    builds that image when no image has these inputs, as on a fresh CI
    machine; the first fingerprint of an image reads its files."""
    if isinstance(lf.locked, Skipped):
        return lf.locked
    skipped = _not_comparable(lf, "rebuilds and re-records the image")
    if skipped:
        return skipped
    result = eng.ensure_image(plan, salt=lf.salt, with_source=False, on_line=ui.progress)
    if result.built:
        ui.note(f"built the image for the current config ({result.id.removeprefix('sha256:')[:12]})")
    return eng.fingerprint_image(result.id, project=plan.config.name, salt=lf.salt)


def base_facts(eng: Engine, lf: LockFacts, *, offline: bool) -> BaseFacts | Skipped:
    """The lock's base pin against the registry's digest for its tag now."""
    if lf.edited:
        return DISTRUSTED
    lk = lf.lock
    if lk is None:
        return Skipped("there is no devparity.lock")
    if offline:
        return Skipped("--offline")
    if lk.base_source != "registry" or not lk.base_digest:
        return Skipped(f"{lk.base_ref} is pinned local-only (no registry to compare with)")
    try:
        now = eng.registry_digest(lk.base_ref)
    except RegistryError as exc:  # an error finding, not a skip: see rules.rule_base
        return BaseFacts(lk.base_ref, lk.base_digest, None, unreachable=_reason(exc))
    return BaseFacts(lk.base_ref, lk.base_digest, now)


def _reason(exc: RegistryError) -> str:
    """The registry error's cause, without the "cannot resolve REF" prefix
    the finding already says, on one line."""
    text = exc.message.partition(" in its registry: ")[2] or exc.message
    return " ".join(text.split())[:300]


def container_facts(eng: Engine, plan: BuildPlan, lf: LockFacts) -> tuple[ContainerFacts, ...] | Skipped:
    """This checkout's live dev/prod containers with their image's fingerprint.
    Side effects: reads each container's files, and its image's on a cache
    miss; for a dev container, see ``_hidden_in_prod``."""
    if lf.edited:
        return DISTRUSTED
    name, current = plan.config.name, plan.inputs.hash
    hidden_once = Once()  # the dev app and its processes share one mount: compared once

    def facts(c: ContainerInfo) -> ContainerFacts:
        fp = eng.fingerprint_container(c.id, project=name, salt=lf.salt)
        role, inputs = c.role or "", c.inputs  # inputs: inherited from its image
        hidden_in = "its image"
        if role == "dev" and not lf.stale and inputs == current:
            hidden = hidden_once(lambda: _hidden_in_prod(eng, plan, lf, fp))
            if hidden is not None:
                fp, hidden_in = {**fp, "hidden_paths": hidden}, "the prod image"
        image_fp = eng.fingerprint_image(fp["image_id"], project=name, salt=lf.salt)
        return ContainerFacts(role, c.name, fp, image_fp, inputs, hidden_in, **declared(plan.config, c, lf.salt))

    running = eng.running_containers(plan)  # this checkout's only
    if len(running) < 2:
        return tuple(facts(c) for c in running)
    # Reading a container's files is mostly waiting on the engine: dev and
    # prod are read side by side. map() re-raises a worker's error here.
    with ThreadPoolExecutor(max_workers=len(running)) as pool:
        return tuple(pool.map(facts, running))


def _hidden_in_prod(eng: Engine, plan: BuildPlan, lf: LockFacts, dev: Mapping[str, Any]) -> list[str] | None:
    """Files the prod image for the current source has under the workdir that
    the dev mount's host directory lacks; None without such a mount.

    The dev container's own image may carry source older than the host's
    (it is reused while only the source changes), so a file deleted on the
    host since is no drift; the prod image for the current source is the
    reference. Side effects: builds that image when it does not exist yet
    (the dependency layers come from the cache: only the source is copied).
    """
    cfg = plan.config
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

    result = eng.ensure_image(plan, salt=lf.salt, with_source=True, on_line=on_line)
    files = eng.list_image_tree(result.id, project=cfg.name, path=cfg.workdir)
    return [f"{cfg.workdir}/{rel}" for rel in hidden_paths(files, host_files(str(mount["source"])))]


def secrets_facts(eng: Engine, plan: BuildPlan, lf: LockFacts) -> tuple[SecretFile, ...] | Skipped:
    """Secret-looking files in the prod image's workdir (the image `build`
    makes for the current source). Side effects: builds that image when it
    does not exist (only the source layer); on a cache miss reads the
    workdir through the archive API (never exec) and writes
    ``cache_dir("secret-scan")/<image id>.json`` (paths and kinds only)."""
    skipped = _not_comparable(lf, "rebuilds the image")
    if skipped:
        return skipped
    cfg = plan.config
    result = eng.ensure_image(plan, salt=lf.salt, with_source=True, on_line=ui.progress)
    path = cache_dir("secret-scan") / f"{result.id}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("version") == SECRET_SCAN_VERSION:
            return tuple(SecretFile(p, r) for p, r in cached["files"])
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        pass
    root = cfg.workdir.rstrip("/")
    found = []
    for rel, data in eng.walk_image(result.id, project=cfg.name, path=cfg.workdir, max_size=secrets.SCAN_MAX_BYTES):
        reason = secrets.classify_file(rel, data)
        if reason:
            found.append((f"{root}/{rel}", reason))
    atomic_write_text(path, json.dumps({"version": SECRET_SCAN_VERSION, "files": sorted(found)}))
    return tuple(SecretFile(p, r) for p, r in sorted(found))


class HostProbe:
    """The host's runtime version, asked in the background (the runtime
    plugin's ``host_commands``) from construction on, so it runs while the
    engine is asked; an answer kept under the same key (drift.hostcache:
    the executable, environment, working directory and version files) is
    used instead of asking again."""

    def __init__(self, language: str) -> None:
        self._argvs = runtimes.get(language).host_commands if language in runtimes.RUNTIMES else ()
        found = next(((a, exe) for a in self._argvs if (exe := shutil.which(a[0]))), None)
        self.command = " ".join(found[0]) if found else None
        self._proc: subprocess.Popen[str] | None = None
        self._language = language
        self._kept: tuple[str, int] | None = None
        self._key = self._name = ""
        if found:
            argv, exe = found
            self._name = argv[0]
            self._key = hostcache.key(argv, exe)
            self._kept = hostcache.read(argv[0], self._key)
            if self._kept is None:
                self._proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def close(self) -> None:
        """End the probe if it still runs (the check ended without asking)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()

    def result(self) -> str | Skipped:
        if self._kept is not None:
            out, code = self._kept
        elif self._proc is None:
            names = " or ".join(a[0] for a in self._argvs) or self._language
            return Skipped(f"{names} is not on the host's PATH")
        else:
            try:
                out, _ = self._proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                return Skipped(f"`{self.command}` did not answer in 10 s")
            out, code = out or "", self._proc.returncode
            hostcache.write(self._name, self._key, out, code)
        m = _VERSION.search(out)
        if code != 0 or not m:
            return Skipped(f"`{self.command}` printed no version")
        return m.group(1)


def gather(eng: Engine, plan: BuildPlan, lk: Lock | None, *, host: HostProbe, offline: bool = False) -> Facts:
    """Every step in turn; ``host`` was started by the caller (it runs
    while the engine is asked)."""
    cfg = plan.config
    lf = lock_facts(plan, lk)
    return Facts(
        language=cfg.language,
        version=cfg.version,
        dep_files=cfg.dep_files,
        workdir=cfg.workdir,
        dev_env=secrets.mask_env(cfg.dev_env, lf.salt),
        stale=None if lf.stale is None else lf.stale + lf.stale_services,
        locked=lf.locked,
        image=image_facts(eng, plan, lf),
        base=base_facts(eng, lf, offline=offline),
        current_inputs=plan.inputs.hash,
        containers=container_facts(eng, plan, lf),
        host=host.result(),
        app_secrets=secrets_facts(eng, plan, lf),
        edited=lf.edited,
        service_pins=service_gather.pin_facts(eng, cfg, lf, offline=offline),
        services=service_gather.container_facts(eng, cfg, lf),
    )


class Live:
    """The real engine behind ``Engine`` (module functions of engine/ and
    drift.fingerprint)."""

    def __init__(self) -> None:
        self._prefetch: Prefetch | None = None

    def prefetch(self, config: Config, salt: str) -> None:
        """Start reading this checkout's running containers now, in the
        background (drift.prefetch); ``running_containers`` and
        ``fingerprint_container`` then answer from it."""
        self._prefetch = Prefetch(config, salt)
        self._prefetch.wait_issued()

    def ensure_image(self, plan: BuildPlan, *, salt: str, with_source: bool, on_line: Callable[[str], None]) -> ImageResult:
        return builder.ensure(plan, salt=salt, with_source=with_source, on_line=on_line)

    def fingerprint_image(self, image_id: str, *, project: str, salt: str) -> dict[str, Any]:
        return fingerprint.fingerprint_image(image_id, project=project, salt=salt)

    def fingerprint_container(self, cid: str, *, project: str, salt: str) -> dict[str, Any]:
        if self._prefetch is not None and self._prefetch.has(cid, salt):
            return self._prefetch.fingerprint(cid)
        return fingerprint.fingerprint_container(cid, project=project, salt=salt)

    def registry_digest(self, ref: str) -> str:
        return images.registry_digest(ref)

    def running_containers(self, plan: BuildPlan) -> list[ContainerInfo]:
        if self._prefetch is not None and self._prefetch.config is plan.config:
            return self._prefetch.running()
        return targets.running_containers(plan.config)

    def list_image_tree(self, image_id: str, *, project: str, path: str) -> list[str]:
        return fingerprint.image_tree(image_id, path, project)  # cached by image id

    def running_services(self, config: Config) -> list[ContainerInfo]:
        return targets.running_services(config)

    def image_id(self, ref: str) -> str | None:
        image = images.find(ref)
        return image.id if image else None

    def read_container_file(self, cid: str, path: str) -> bytes | None:
        return archive.read_files(archive.Target("container", cid), [path])[path]

    def walk_image(self, image_id: str, *, project: str, path: str, max_size: int) -> Iterator[tuple[str, bytes]]:
        with archive.open_reader(archive.Target("image", image_id, project)) as reader:
            yield from reader.walk(path, lambda _rel: True, max_size=max_size)
