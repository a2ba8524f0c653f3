"""Benchmark: `devparity down` of a dev and a prod container against
`docker rm -f` of the same two containers, in the same run.

    /work/venv/bin/python benchmarks/down.py [--runs 10]

examples/hello is copied to a temp dir (unique name, free ports) and
locked. Each round starts dev and prod (`up --detach`, `up prod --detach`),
times `devparity down`; starts them again and times `docker rm -f` of their
ids. Prints both medians and the median ratio of the pairs. Target: 1.5x.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _hello import container_ids, hello, report, run, timed

TARGET = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    ours: list[float] = []
    baseline: list[float] = []
    with hello("bench-down") as (root, name, env):
        run(root, env, "lock")

        def start() -> list[str]:
            run(root, env, "up", "--detach")
            run(root, env, "up", "prod", "--detach")
            ids = container_ids(name)
            assert len(ids) == 2, ids
            return ids

        for i in range(args.runs + 1):  # the first round warms the caches
            start()
            t = timed(lambda: run(root, env, "down"))
            assert container_ids(name) == [], "down left a container"
            ids = start()
            argv = ["docker", "rm", "-f", *ids]
            b = timed(lambda argv=argv: subprocess.run(argv, capture_output=True, check=True))
            if i:
                ours.append(t)
                baseline.append(b)
    print(f"down of dev + prod (examples/hello), {args.runs} rounds")
    ok = report("devparity down", ours, baseline, "docker rm -f <the same two>", target=TARGET)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
