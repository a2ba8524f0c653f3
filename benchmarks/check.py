"""Benchmark: `devparity check` on an unchanged project (fresh lock, cached
image and fingerprint, no containers), the whole process, N runs.

    /work/venv/bin/python benchmarks/check.py [--runs 30] [--base REF]
    /work/venv/bin/python benchmarks/check.py --containers [--runs 15]
    /work/venv/bin/python benchmarks/check.py --heavy [--runs 10]
    /work/venv/bin/python benchmarks/check.py --containers --worker [--runs 10]

``--containers``: examples/hello (copied to a temp dir) with dev and prod
running; each run of `devparity check` is paired with `docker diff` of the
same two containers, one after the other (the engine's changes API, which
check must ask too), and the median ratio is printed. Targets: median
<= 600 ms and ratio <= 1.5x. ``--heavy``: the same with numpy, pandas,
scipy and Django in requirements.txt (about 600 MB; needs PyPI) and only
dev running; target ratio <= 1.5x. ``--worker``: with ``--containers``, a
``[processes.worker]`` beside the app (issue 8), so four containers run
(dev, dev/worker, prod, prod/worker) and `docker diff` reads the four.
``--api-too``: each round also runs the check with DEVPARITY_CHANGES=api
(changes from the engine's API, not the overlay2 layers: the code before
engine/upperdir.py), so before and after come from the same run.

Runs the installed ``devparity`` CLI as a subprocess (what CI runs) and
prints median, p95, min and max wall-clock times, and the median ratio to
`devparity --help` run after each (the start-up every command pays). The project's base image
is pushed to the local registry (127.0.0.1:5000) so the base-digest rule
asks a real registry, as in CI; ``--base`` uses another base instead.
Everything created (images labelled with the project, the registry tag's
local copy, the temp dirs) is removed afterwards. Target: median <= 300 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _bench import cli as bench_cli
from _bench import write_project

REGISTRY = os.environ.get("DEVPARITY_REGISTRY", "127.0.0.1:5000")
TARGET_MS = 300
TARGET_CONTAINERS_MS = 600
TARGET_RATIO = 1.5
HEAVY = "numpy\npandas\nscipy\nDjango\n"


def _docker(*args: str) -> None:
    subprocess.run(["docker", *args], check=True, capture_output=True)


def _delete_from_registry(ref: str) -> None:
    """Delete ``ref``'s manifest from the local registry (when it allows deletes)."""
    import urllib.request

    host, _, rest = ref.partition("/")
    path, tag = rest.rsplit(":", 1)
    head = urllib.request.Request(
        f"http://{host}/v2/{path}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    try:
        with urllib.request.urlopen(head, timeout=5) as r:
            digest = r.headers["Docker-Content-Digest"]
        urllib.request.urlopen(
            urllib.request.Request(f"http://{host}/v2/{path}/manifests/{digest}", method="DELETE"), timeout=5
        ).close()
    except OSError:
        pass


def _cleanup(name: str, pushed: str | None) -> None:
    ids = subprocess.run(
        ["docker", "images", "-q", "--filter", f"label=devparity.project={name}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if ids:
        subprocess.run(["docker", "rmi", "-f", *sorted(set(ids))], capture_output=True, check=False)
    if pushed:
        _delete_from_registry(pushed)
        subprocess.run(["docker", "rmi", pushed], capture_output=True, check=False)


WORKER = '\n[processes.worker]\ncommand = ["python", "-c", "import time; time.sleep(86400)"]\n'


def with_containers(runs: int, *, heavy: bool, worker: bool = False, api_too: bool = False) -> int:
    """check with containers running, paired with `docker diff` of them."""
    from _hello import container_ids, hello, report, run, timed

    prefix = "bench-check-heavy" if heavy else "bench-check-live"
    with hello(prefix, requirements=HEAVY if heavy else "") as (root, name, env):
        if worker:
            (root / "devparity.toml").write_text((root / "devparity.toml").read_text() + WORKER)
        run(root, env, "lock")
        run(root, env, "up", "--detach")
        if not heavy:
            run(root, env, "up", "prod", "--detach")
        ids = container_ids(name)
        run(root, env, "check")  # the first fingerprint of the image, and the OS caches
        ours, baseline, via_api = [], [], []
        api_env = {**env, "DEVPARITY_CHANGES": "api"}
        for _ in range(runs):
            ours.append(timed(lambda: run(root, env, "check")))
            baseline.append(timed(lambda: [subprocess.run(["docker", "diff", c], capture_output=True, check=True) for c in ids]))
            if api_too:
                via_api.append(timed(lambda: run(root, api_env, "check")))
    what = "dev (numpy, pandas, scipy, Django)" if heavy else "dev and prod (examples/hello)"
    what += " with a worker process in each" if worker else ""
    print(f"devparity check with {what} running, {runs} pairs")
    ok = report("devparity check", ours, baseline, f"docker diff of the same {len(ids)}", target=TARGET_RATIO)
    if api_too:
        print("the same rounds, the check with DEVPARITY_CHANGES=api (before engine/upperdir.py):")
        report("devparity check, changes from the API", via_api, baseline, f"docker diff of the same {len(ids)}", target=TARGET_RATIO)
        ratios = sorted(a / b for a, b in zip(ours, via_api))
        print(f"check / check via the API (median of {len(ratios)} pairs): {statistics.median(ratios):.2f}x")
    if not heavy:
        median = statistics.median(ours)
        print(f"target: median <= {TARGET_CONTAINERS_MS} ms: {'ok' if median <= TARGET_CONTAINERS_MS else 'MISSED'}")
        ok = ok and median <= TARGET_CONTAINERS_MS
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--base", default=None, help="base image (default: python:3.11-slim via the local registry)")
    parser.add_argument("--containers", action="store_true", help="dev and prod of examples/hello running")
    parser.add_argument("--heavy", action="store_true", help="dev running with numpy, pandas, scipy, Django")
    parser.add_argument("--worker", action="store_true", help="with --containers: a [processes.worker] in each role")
    parser.add_argument("--api-too", action="store_true", help="with containers: also time the check with DEVPARITY_CHANGES=api")
    args = parser.parse_args()
    if args.containers or args.heavy:
        return with_containers(args.runs, heavy=args.heavy, worker=args.worker, api_too=args.api_too)

    name = f"bench-check-{uuid.uuid4().hex[:8]}"
    pushed = None
    base = args.base
    if base is None:
        pushed = f"{REGISTRY}/{name}/py:3.11"
        _docker("tag", "python:3.11-slim", pushed)
        _docker("push", pushed)
        base = pushed
    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-"))
    env = {**os.environ, "DEVPARITY_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
    root = tmp / "project"
    root.mkdir()
    cli = bench_cli()
    try:
        write_project(root, name, 18599, base=base)
        subprocess.run([cli, "lock"], cwd=root, env=env, check=True, capture_output=True)
        subprocess.run([cli, "check"], cwd=root, env=env, check=True, capture_output=True)  # warm the OS caches
        times, helps = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            r = subprocess.run([cli, "check"], cwd=root, env=env, capture_output=True, text=True, check=False)
            times.append((time.perf_counter() - started) * 1000)
            if r.returncode != 0:
                print(r.stdout, r.stderr, file=sys.stderr)
                return 1
            # the start-up every command pays, measured next to it (the machine is shared)
            started = time.perf_counter()
            subprocess.run([cli, "--help"], cwd=root, env=env, capture_output=True, check=True)
            helps.append((time.perf_counter() - started) * 1000)
    finally:
        _cleanup(name, pushed)
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = statistics.median(a / b for a, b in zip(times, helps, strict=True))
    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"devparity check, unchanged project, base {'local registry' if pushed else base}, {args.runs} runs")
    print(f"median {median:.0f} ms  p95 {p95:.0f} ms  min {times[0]:.0f} ms  max {times[-1]:.0f} ms")
    print(f"devparity --help, run after each check: median {statistics.median(helps):.0f} ms; check / --help (median of pairs) {ratio:.2f}x")
    print(f"target: median <= {TARGET_MS} ms: {'ok' if median <= TARGET_MS else 'MISSED'}")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
