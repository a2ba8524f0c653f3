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
import statistics
import subprocess
import sys

from _bench import cli, devparity_reloads, docker_restarts, pct, project, summary


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
