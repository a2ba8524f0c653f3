"""Benchmark: `devparity up --detach --wait` on examples/hello (image cached).

    /work/main/.venv/bin/python benchmarks/up_wait.py [--runs 10]

The clock runs from spawning the CLI to its return; right then one request
(no retry) must be served, or the run counts as a failure. The baseline,
timed in the same round, is `docker restart` of the container that `up`
just started (an engine-only stop + start of the same thing). Between
rounds `devparity down` (untimed) removes it. Target: p50 < 700 ms.

A third figure, in the same rounds: `up --detach` without --wait, then a
client polling 127.0.0.1 from its return (2 ms apart, 100 ms per request)
until served: what a script did before --wait (the ARP retry of
benchmarks/RESULTS.md "up" lands in it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _bench import REPO, summary, wait_for
from _hello import container_ids, hello, run

from tests.support import get

TARGET_MS = 700


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    ups: list[float] = []
    restarts: list[float] = []
    polled: list[float] = []
    missed = 0
    with hello("bench-wait") as (root, name, env):
        env["PYTHONPATH"] = str(REPO)  # this checkout's code, not the installed copy's
        port = int(next(line for line in (root / "devparity.toml").read_text().splitlines()
                        if line.startswith("ports = { 8000")).split("=")[2].strip(" }"))
        run(root, env, "build", "-q")
        for i in range(args.runs + 1):  # the first round warms the caches
            started = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "devparity", "up", "--detach", "--wait"], cwd=root, env=env,
                               capture_output=True, text=True, check=False)
            took = (time.perf_counter() - started) * 1000
            body = get(port, timeout=2)
            if r.returncode != 0:
                raise RuntimeError(f"up --detach --wait exited {r.returncode}:\n{r.stderr}")
            (cid,) = container_ids(name)
            started = time.perf_counter()
            subprocess.run(["docker", "restart", "-t", "1", cid], check=True, capture_output=True)
            restart = (time.perf_counter() - started) * 1000
            run(root, env, "down")
            started = time.perf_counter()
            run(root, env, "up", "--detach")
            served = wait_for(port, "development", timeout=30, request_timeout=0.1)
            poll = (served - started) * 1000
            run(root, env, "down")
            if i:
                polled.append(poll)
                ups.append(took)
                restarts.append(restart)
                missed += body is None or "development" not in body
    ratios = sorted(a / b for a, b in zip(ups, restarts))
    print(f"up --detach --wait (examples/hello, image cached), {args.runs} rounds")
    print(f"up --detach --wait : {summary(ups)}")
    print(f"docker restart     : {summary(restarts)}")
    print(f"up --detach + poll : {summary(polled)}")
    print(f"ratio to docker restart (median of pairs): {statistics.median(ratios):.2f}x")
    print(f"ratio to up --detach + poll (median of pairs): {statistics.median(sorted(a / b for a, b in zip(ups, polled))):.2f}x")
    print(f"first request at return failed: {missed} of {len(ups)}")
    ok = statistics.median(ups) < TARGET_MS and missed == 0
    print(f"target p50 < {TARGET_MS} ms, every first request served: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
