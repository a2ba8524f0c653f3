"""Benchmark: `devparity up` (image cached) to the first served response.

    /work/venv/bin/python benchmarks/up.py [--runs 10] [--port 18510]

The clock runs from spawning the installed CLI to the first HTTP response
from the dev container (polled every 2 ms); each run then ends with Ctrl-C,
whose duration is reported too. One untimed run first warms the OS caches.
Target: <= 700 ms.

Two clients are timed in separate runs:
- "after URL": starts requesting when `up` prints the dev URL, as a person
  (or a script reading the output) does; the target applies to this one;
- "from spawn": polls from the moment `up` is spawned. A connection that
  lands while the engine is still wiring the container's network sends the
  bridge an ARP request that goes unanswered; the kernel asks again only
  after 1 s (neigh retrans_time), and every SYN in between waits for it.

Each poll gives up after ``--request-timeout`` (100 ms), as a readiness
probe does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from _bench import Up, cli, project, summary, wait_for

TARGET_MS = 700


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--port", type=int, default=18510)
    parser.add_argument("--request-timeout", type=float, default=0.1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"after URL": [], "from spawn": []}
    stops = []
    with project("bench-up", args.port) as (root, _name, env):
        subprocess.run([cli(), "build", "-q"], cwd=root, env=env, check=True, capture_output=True)
        for run in range(args.runs + 1):
            for mode, samples in times.items():
                up = Up(root, env=env)
                try:
                    if mode == "after URL":
                        up.wait_for(rf"http://127\.0\.0\.1:{args.port}")
                    served = wait_for(args.port, "v1 development", timeout=60, request_timeout=args.request_timeout)
                finally:
                    stopped = up.stop()
                if run:  # the first run only warms caches
                    samples.append((served - up.started) * 1000)
                    stops.append(stopped * 1000)
    print(
        f"devparity up (image cached) -> first response, {args.runs} runs, {args.request_timeout * 1000:.0f} ms per poll"
    )
    for mode, samples in times.items():
        print(f"up, client {mode:<10}: {summary(samples)}")
    print(f"Ctrl-C: {summary(stops)} (until the process ended, containers removed)")
    ok = statistics.median(times["after URL"]) <= TARGET_MS
    print(f"target p50 <= {TARGET_MS} ms (client after URL): {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
