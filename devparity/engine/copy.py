"""Files into containers, for an engine that cannot see the project (issue
9, [dev].source): probe whether a bind mount of a host directory shows its
files, put a tar into a container, run a small command in one. Decisions
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


def sees(image: str, host_dir: str, marker: str, owner: dict[str, str]) -> bool:
    """Whether the engine's bind mount of ``host_dir`` shows the file
    ``marker`` in it: a container of ``image`` is created (never started)
    with the bind, the file is read back through the archive API, and the
    container is removed. The engine resolves a bind on its own host, so
    this answers for a remote engine, one in another mount namespace or VM
    (Docker Desktop), and a local one alike; nothing is guessed from the
    address."""
    api = client().api
    from docker.types import Mount

    # a Mount, not a legacy bind: the engine refuses a source its host does not
    # have instead of creating an empty directory there
    host_config = api.create_host_config(mounts=[Mount(PROBE_MOUNT, host_dir, type="bind", read_only=True)])
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
        if "bind source path does not exist" in str(exc):
            return False  # the engine's host has no such directory
        raise
    try:
        with mapped_errors("probe the engine's view of the project"):
            try:
                stream, _stat = api.get_archive(cid, f"{PROBE_MOUNT}/{marker}")
                for _ in stream:
                    pass
            except Exception as exc:  # 404 inside mapped_errors would be NotFound: decide here
                if getattr(getattr(exc, "response", None), "status_code", None) == 404:
                    return False
                raise
        return True
    finally:
        with contextlib.suppress(Exception):
            api.remove_container(cid, force=True, v=True)


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


