"""What the benchmarks add to tests.support (the test app, the project
builder, Up, clean-up by label): the CLI as installed, timing helpers and
percentiles, and a temp project that cleans up after itself. Importing this
module puts the repository root on sys.path, so ``tests.support`` imports."""

from __future__ import annotations

import os
import random
import subprocess
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks run as scripts: benchmarks/ is sys.path[0]
    sys.path.insert(0, str(REPO))

from tests.support import Up, app_text, get, python_project, remove_by_project, unique_name  # noqa: E402

__all__ = ["Up", "cleanup", "cli", "pct", "project", "set_version", "summary", "wait_for", "write_project"]


def cli() -> str:
    """The installed ``devparity`` next to this Python (what a user runs)."""
    local = Path(sys.executable).parent / "devparity"
    return str(local) if local.exists() else (shutil.which("devparity") or "devparity")


def write_project(
    root: Path, name: str, port: int, *, dockerignore: str = ".git\n__pycache__\n", base: str | None = None
) -> None:
    python_project(root, name, port=port, dockerignore=dockerignore, base_image=base)


def set_version(root: Path, version: str) -> None:
    (root / "app.py").write_text(app_text(version))


def wait_for(port: int, text: str, timeout: float = 60.0, poll: float = 0.002, request_timeout: float = 2.0) -> float:
    """Poll until the app serves ``text``; returns time.perf_counter() then."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        body = get(port, request_timeout)
        if body is not None and text in body:
            return time.perf_counter()
        time.sleep(poll)
    raise TimeoutError(f"127.0.0.1:{port} did not serve {text!r} within {timeout}s")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.0f} ms  p95 {pct(values, 0.95):.0f} ms  "
        f"min {min(values):.0f} ms  max {max(values):.0f} ms  (n={len(values)})"
    )


@contextmanager
def project(prefix: str, port: int, **kw: str) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A temp project (root, name, env for the CLI); afterwards every container
    and image labelled with it is removed, and the temp dir too."""
    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-"))
    name = unique_name(prefix)
    root = tmp / "project"
    write_project(root, name, port, **kw)
    env = {**os.environ, "DEVPARITY_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
    try:
        yield root, name, env
    finally:
        cleanup(name)
        shutil.rmtree(tmp, ignore_errors=True)


def cleanup(name: str) -> None:
    remove_by_project(name)


# Edit -> first response with the new text, for the reload benchmarks: the
# watching `up` against `docker restart` of the same dev container.
SetVersion = Callable[[Path, str], None]


def devparity_reloads(
    root: Path, env: dict[str, str], port: int, edits: int, *, edit: SetVersion = set_version,
    first_timeout: float = 180, edit_timeout: float = 10,
) -> list[float]:
    """Each edit's time to served under a watching `devparity up`."""
    up = Up(root, env=env)
    try:
        wait_for(port, "v1 development", timeout=first_timeout)
        # the app serves before the watcher is ready (over ssh:// by seconds): an
        # edit made in between would never reload
        up.wait_for(r"^watching ", timeout=first_timeout)
        times = []
        for i in range(2, edits + 2):
            time.sleep(0.4 + random.random() * 0.2)  # separate saves, not one batch
            t0 = time.perf_counter()
            edit(root, f"v{i}")
            times.append((wait_for(port, f"v{i} development", timeout=edit_timeout) - t0) * 1000)
        return times
    finally:
        up.stop()


def docker_restarts(
    root: Path, env: dict[str, str], port: int, edits: int, *, edit: SetVersion = set_version, timeout: float = 30,
) -> list[float]:
    """The baseline: the same dev container (`up --detach`) restarted with
    `docker restart` after each edit."""
    from devparity import engine

    subprocess.run([cli(), "up", "--detach"], cwd=root, env=env, check=True, capture_output=True)
    try:
        api = engine.client().api
        name = (root / "devparity.toml").read_text().split('name = "')[1].split('"')[0]
        cid = api.containers(filters={"label": [f"devparity.project={name}", "devparity.role=dev"]})[0]["Id"]
        start = edits + 2
        edit(root, f"v{start}")
        api.restart(cid, timeout=10)
        wait_for(port, f"v{start} development", timeout=timeout)
        times = []
        for i in range(start + 1, start + 1 + edits):
            time.sleep(0.2)
            t0 = time.perf_counter()
            edit(root, f"v{i}")
            api.restart(cid, timeout=10)
            times.append((wait_for(port, f"v{i} development", timeout=timeout) - t0) * 1000)
        return times
    finally:
        subprocess.run([cli(), "down"], cwd=root, env=env, check=False, capture_output=True)
