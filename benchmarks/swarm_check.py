"""Benchmark: `devparity check --offline --target swarm://NAME@ENGINE` on a
service of 3 replicas (issue 9; target <= 2 s), against two baselines in
the same run, paired run by run: `docker service ps NAME` (asking the
engine for the tasks only) and `devparity check --offline` without the
target (the local rules: what the target adds is the difference).

    /work/main/.venv/bin/python benchmarks/swarm_check.py [--runs 10] [--services]

``--services``: the project also has a [services.cache] (the seeded
redis:7, local-only, so pushed beside the app) and a [processes.worker],
deployed beside the app: the check also compares those two services.

Needs root: it starts the private engine of the Swarm tests (dp-swarm,
tests/support/swarm.py) when it is not running and inits a swarm there
when none is; it leaves both as it found them. The project is pushed to
the local registry (127.0.0.1:5000) and deployed with `devparity deploy
--replicas 3`; everything it made is removed afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _bench import write_project

from tests.support import free_port, python_project, remove_by_project
from tests.support.cli import command, process_env
from tests.support.registry import REGISTRY, forget_repo
from tests.support.swarm import SwarmEngine, remove_networks_and_volumes

TARGET_S = 2.0
SERVICES = """
[services.cache]
image = "redis:7"
data = "/data"
ready = { tcp = 6379 }

[processes.worker]
command = ["sleep", "infinity"]
"""


def _timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return took


def _diffs(host: str, containers: list[str]) -> float:
    """`docker diff` of every task container, side by side: the engine work
    the target cannot skip (each task's writable layer)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["docker", "-H", host, "diff", c], stdout=subprocess.DEVNULL) for c in containers]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--api-too", action="store_true", help="also time the target check with DEVPARITY_CHANGES=api")
    ap.add_argument("--services", action="store_true", help="a redis service and a worker process beside the app")
    args = ap.parse_args()
    swarm = SwarmEngine()
    swarm.up()
    name = f"dpb{uuid.uuid4().hex[:8]}"
    ns = f"{REGISTRY}/{name}"
    cli = command()  # this checkout's code, as `python -m devparity`
    env = process_env()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / name
            if args.services:
                python_project(root, name, port=free_port(), dockerignore=".git\n__pycache__\n", extra_toml=SERVICES)
            else:
                write_project(root, name, free_port())
            for step in (["lock"], ["push", "--registry", ns]):
                _timed([*cli, *step], root, env)
            _timed([*cli, "deploy", "--replicas", "3"], root, {**env, "DOCKER_HOST": swarm.host})
            target = f"swarm://{name}@{swarm.host}"
            check = [*cli, "check", "--offline", "--target", target]
            local = [*cli, "check", "--offline"]
            ps = ["docker", "-H", swarm.host, "service", "ps", name]
            _timed(check, root, env)  # warm: the fingerprint caches of a first check
            tasks = swarm.task_containers(name)
            rows = []
            via_api = []
            for _ in range(args.runs):
                rows.append((_timed(check, root, env), _timed(local, root, env), _timed(ps, root, env), _diffs(swarm.host, tasks)))
                if args.api_too:  # the tasks' changes from their engine's API (before engine/upperdir.py)
                    via_api.append(_timed(check, root, {**env, "DEVPARITY_CHANGES": "api"}))
        with_target = [r[0] for r in rows]
        added = [r[0] - r[1] for r in rows]
        ratio = [r[0] / r[2] for r in rows]
        beside = " with a service and a process beside" if args.services else ""
        print(f"check --target swarm:// (3 replicas{beside}), {args.runs} runs: median {statistics.median(with_target):.2f} s, "
              f"max {max(with_target):.2f} s (target <= {TARGET_S:.1f} s)")
        print(f"  check --offline without the target: median {statistics.median([r[1] for r in rows]):.2f} s; "
              f"the target adds a median {statistics.median(added):.2f} s")
        print(f"  docker diff of the 3 task containers, side by side: median {statistics.median([r[3] for r in rows]):.2f} s; "
              f"ratio (what the target adds)/(the diffs): median {statistics.median([(r[0] - r[1]) / r[3] for r in rows]):.1f}x")
        if via_api:
            added_api = [a - r[1] for a, r in zip(via_api, rows)]
            print(f"  the same with DEVPARITY_CHANGES=api: median {statistics.median(via_api):.2f} s; it adds a median "
                  f"{statistics.median(added_api):.2f} s; check/check via the API: median "
                  f"{statistics.median([r[0] / a for a, r in zip(via_api, rows)]):.2f}x")
        print(f"  docker service ps: median {statistics.median([r[2] for r in rows]) * 1000:.0f} ms; "
              f"ratio check/service ps: median {statistics.median(ratio):.1f}x ({min(ratio):.1f}-{max(ratio):.1f})")
    finally:
        swarm.remove_services(name)
        remove_networks_and_volumes(swarm, name)
        swarm.down()
        remove_by_project(name)
        for repo in (f"{ns}/{name}", f"{ns}/{name}-cache"):
            forget_repo(__import__("devparity.engine", fromlist=["client"]).client(), repo)


if __name__ == "__main__":
    main()
