"""Files into containers, for an engine that cannot see the project (issue
9, [dev].source): probe whether the engine sees a host file, put a tar into
a container, run a small command in one. Decisions
(what to copy, when) live in devparity.dev.sync."""

from __future__ import annotations

import contextlib
from typing import IO

from devparity import identity, labels
from devparity.engine import client, mapped_errors
from devparity.errors import EngineError

PROBE_MOUNT = "/.devparity-probe"
# Never started: the engine only needs a non-empty command to create it.
_NEVER_RUN = ["/.devparity-probe-never-started"]
# What the engine answers a bind Mount whose source its host does not have
# ("invalid mount config for type "bind": bind source path does not exist: ...").
_NO_SOURCE = "bind source path does not exist"


def sees(image: str, host_dir: str, marker: str, owner: dict[str, str]) -> bool:
    """Whether the engine sees the file ``host_dir/marker`` (a fresh random
    name the caller just made): a container of ``image`` is created (never
    started) with that file bind-mounted, then removed. The engine checks a
    bind's source on its own host when it creates the container, so the
    create succeeds only where that host has the file: a remote engine, one
    in another mount namespace or in a VM without the file shared, refuses.
    Nothing is guessed from the address. (Reading the file back through the
    archive API would say the same and cost 0.3-0.5 s more: it mounts the
    container's filesystem.)"""
    import docker  # noqa: F401 - the package first (why: devparity.engine.images.build)
    from docker.types import Mount

    api = client().api
    # a Mount, not a legacy bind: the engine refuses a source its host does
    # not have, where a bind would create an empty directory there
    host_config = api.create_host_config(
        mounts=[Mount(PROBE_MOUNT, f"{host_dir.rstrip('/')}/{marker}", type="bind", read_only=True)]
    )
    # labelled as archive's probes are: a probe left by a killed `up` is
    # its checkout's to remove with `down`
    keep = {labels.ROLE: "probe"}
    if labels.PROJECT in owner:
        keep |= {k: owner.get(k, "") for k in (labels.PROJECT, labels.CHECKOUT)}
        keep = identity.stamp(keep)
    try:
        with mapped_errors("probe the engine's view of the project"):
            cid = api.create_container(
                image, entrypoint=_NEVER_RUN, command=[], host_config=host_config, labels=keep, network_disabled=True
            )["Id"]
    except EngineError as exc:
        if _NO_SOURCE in str(exc):
            return False  # the engine's host has no such file
        raise
    with contextlib.suppress(Exception):
        api.remove_container(cid, force=True, v=True)
    return True


def put(cid: str, path: str, data: bytes | IO[bytes]) -> None:
    """Extract the tar ``data`` at ``path`` in the container (created or running)."""
    with mapped_errors(f"copy files into {cid[:12]}"):
        if not client().api.put_archive(cid, path, data):
            raise EngineError(f"copy files into {cid[:12]}: the engine refused the archive")


def run(cid: str, argv: list[str], *, user: str = "") -> None:
    """Run ``argv`` in the running container and wait; raises EngineError
    when it fails (its output, which names files, not values, is kept)."""
    api = client().api
    with mapped_errors(f"run {argv[0]} in {cid[:12]}"):
        exec_id = api.exec_create(cid, argv, user=user, stdout=True, stderr=True)["Id"]
        out = api.exec_start(exec_id)
        code = api.exec_inspect(exec_id).get("ExitCode")
    if code:
        text = out.decode(errors="replace").strip().splitlines() if isinstance(out, bytes) else []
        raise EngineError(f"{argv[0]} in {cid[:12]} exited with {code}" + (f": {text[-1]}" if text else ""))


