"""Shared by check.py, check_heavy.py and down.py: examples/hello copied to a
temp dir under a unique name and free host ports, a runner for the
installed CLI, the same runs of a baseline command (``docker diff``,
``docker rm -f``) in turn, and the figures as a ratio."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from _bench import cleanup, cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def hello(prefix: str, requirements: str = "") -> Iterator[tuple[Path, str, dict[str, str]]]:
    """examples/hello in a temp dir: (root, project name, env for the CLI).
    Afterwards every container and image labelled with it is removed."""
    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-"))
    root = tmp / "hello"
    shutil.copytree(EXAMPLE, root)
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    toml = (root / "devparity.toml").read_text()
    toml = re.sub(r'(?m)^name = "hello"$', f'name = "{name}"', toml)
    toml = toml.replace("[dev]\n", f"[dev]\nports = {{ 8000 = {free_port()} }}\n", 1)
    toml += f"\n[prod]\nports = {{ 8000 = {free_port()} }}\n"
    (root / "devparity.toml").write_text(toml)
    if requirements:
        (root / "requirements.txt").write_text(requirements)
    env = {**os.environ, "DEVPARITY_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
    # as installed: bytecode cached after the first run (a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 compiles every module on every start)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        yield root, name, env
    finally:
        cleanup(name)
        shutil.rmtree(tmp, ignore_errors=True)


def run(root: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([cli(), *args], cwd=root, env=env, capture_output=True, text=True, check=False)
    if check and r.returncode != 0:
        raise RuntimeError(f"devparity {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def container_ids(name: str) -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=devparity.project={name}"], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def report(label: str, ours: list[float], baseline: list[float], baseline_label: str, *, target: float) -> bool:
    """Prints both medians and the median of the pairwise ratios; True when
    that ratio is within ``target``."""
    ratios = sorted(a / b for a, b in zip(ours, baseline))
    ratio = statistics.median(ratios)
    print(f"{label:<44} median {statistics.median(ours):6.0f} ms  min {min(ours):6.0f}  max {max(ours):6.0f}")
    print(f"{baseline_label:<44} median {statistics.median(baseline):6.0f} ms  min {min(baseline):6.0f}  max {max(baseline):6.0f}")
    print(f"ratio (median of {len(ratios)} pairs): {ratio:.2f}x  target <= {target}x: {'ok' if ratio <= target else 'MISSED'}")
    return ratio <= target
