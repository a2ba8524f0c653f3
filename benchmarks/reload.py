"""Benchmark: edit-to-served time of a reload, against `docker restart`.

    /work/venv/bin/python benchmarks/reload.py [--edits 30] [--port 18500]

A stdlib HTTP app; each edit rewrites app.py with a new version string and
the clock runs from just before the write to the first response carrying
it (polled every 2 ms). First with `devparity up` watching (host watcher,
debounce, USR1 to the supervisor, app process re-exec); then, in the same
run, the same dev container started with `up --detach` and restarted with
`docker restart` after each edit (the baseline). Target: p50 <= 150 ms,
p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _bench import Up, cli, pct, project, set_version, summary, wait_for


def devparity_reloads(root: Path, env: dict[str, str], port: int, edits: int) -> list[float]:
    up = Up(root, env=env)
    try:
        wait_for(port, "v1 development", timeout=180)
        times = []
        for i in range(2, edits + 2):
            time.sleep(0.4 + random.random() * 0.2)  # separate saves, not one batch
            t0 = time.perf_counter()
            set_version(root, f"v{i}")
            times.append((wait_for(port, f"v{i} development", timeout=10) - t0) * 1000)
        return times
    finally:
        up.stop()


def docker_restarts(root: Path, env: dict[str, str], port: int, edits: int) -> list[float]:
    from devparity import engine

    subprocess.run([cli(), "up", "--detach"], cwd=root, env=env, check=True, capture_output=True)
    try:
        api = engine.client().api
        name = (root / "devparity.toml").read_text().split('name = "')[1].split('"')[0]
        cid = api.containers(filters={"label": [f"devparity.project={name}", "devparity.role=dev"]})[0]["Id"]
        start = edits + 2
        set_version(root, f"v{start}")
        api.restart(cid, timeout=10)
        wait_for(port, f"v{start} development", timeout=30)
        times = []
        for i in range(start + 1, start + 1 + edits):
            time.sleep(0.2)
            t0 = time.perf_counter()
            set_version(root, f"v{i}")
            api.restart(cid, timeout=10)
            times.append((wait_for(port, f"v{i} development", timeout=30) - t0) * 1000)
        return times
    finally:
        subprocess.run([cli(), "down"], cwd=root, env=env, check=False, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--port", type=int, default=18500)
    args = parser.parse_args()
    with project("bench-reload", args.port) as (root, _name, env):
        subprocess.run([cli(), "build", "-q"], cwd=root, env=env, check=True, capture_output=True)
        ours = devparity_reloads(root, env, args.port, args.edits)
        base = docker_restarts(root, env, args.port, args.edits)
    print(f"reload, stdlib HTTP app, edit -> first response with the new text, {args.edits} edits each")
    print(f"devparity up (process re-exec): {summary(ours)}")
    print(f"docker restart (same container): {summary(base)}")
    ok = statistics.median(ours) <= 150 and pct(ours, 0.95) <= 300
    print(f"target p50 <= 150 ms, p95 <= 300 ms: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
