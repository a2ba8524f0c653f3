"""Benchmark (issue 8): `devparity up --detach` with Postgres and Redis as
services, everything cached, to the app's first response, beside `up
--detach` of examples/hello (no services) in the same run.

    /work/venv/bin/python benchmarks/services.py [--runs 5] [--fresh 2]

examples/services and examples/hello are copied to temp dirs (unique names,
free ports) and locked; one untimed round builds the images and runs initdb
on the data volume. Then, pair by pair, each is timed from spawning `up
--detach` until the app's first response (polled every 5 ms), and stopped
with `down` (untimed; the data volume stays). Target: <= 3 s with Postgres.
A third figure: `up --detach` again with the services still running (kept,
as `up` keeps unchanged ones) after only the app and worker containers were
removed with `docker rm -f`.

initdb on a fresh volume is timed on its own: `down --volumes`, then the same
`up --detach` to the first response (``--fresh`` rounds), reported beside the
cached figure with the difference between the two medians.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from _bench import cleanup, cli, wait_for
from _hello import free_port, hello, run

from devparity import engine, labels

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "services"
TARGET_MS = 3000


@contextlib.contextmanager
def services(prefix: str) -> Iterator[tuple[Path, str, int, dict[str, str]]]:
    """examples/services in a temp dir: (root, name, dev port, env); removed
    afterwards with its volumes and network (`down --volumes`)."""
    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-"))
    root = tmp / "services"
    shutil.copytree(EXAMPLE, root)
    name, port = f"{prefix}-{uuid.uuid4().hex[:8]}", free_port()
    toml = (root / "devparity.toml").read_text()
    toml = re.sub(r'(?m)^name = "services"$', f'name = "{name}"', toml)
    toml = toml.replace("[dev]\n", f"[dev]\nports = {{ 8000 = {port} }}\n", 1)
    toml += f"\n[prod]\nports = {{ 8000 = {free_port()} }}\n"
    (root / "devparity.toml").write_text(toml)
    env = {**os.environ, "DEVPARITY_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        yield root, name, port, env
    finally:
        run(root, env, "down", "--volumes", check=False)
        cleanup(name)
        shutil.rmtree(tmp, ignore_errors=True)


def hello_port(root: Path) -> int:
    m = re.search(r"ports = \{ 8000 = (\d+) \}", (root / "devparity.toml").read_text())
    assert m, "the copied example has no dev port"
    return int(m.group(1))


def up_to_first_response(root: Path, env: dict[str, str], port: int, text: str) -> float:
    """ms from spawning `up --detach` to the first response holding ``text``."""
    started = time.perf_counter()
    proc = subprocess.Popen([cli(), "up", "--detach"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    served = wait_for(port, text, timeout=300, poll=0.005, request_timeout=1.0)
    _out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"up --detach exited {proc.returncode}: {err}")
    return (served - started) * 1000


def remove_app_containers(name: str) -> None:
    """`docker rm -f` of the project's containers that are not services."""
    api = engine.client().api
    for c in api.containers(all=True, filters={"label": [f"{labels.PROJECT}={name}"]}):
        if c["Labels"].get(labels.KIND) != labels.SERVICE:
            api.remove_container(c["Id"], force=True, v=True)


def line(label: str, values: list[float]) -> str:
    return f"{label:<46} median {statistics.median(values):6.0f} ms  min {min(values):6.0f}  max {max(values):6.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=2)
    args = parser.parse_args()
    with_services: list[float] = []
    without: list[float] = []
    fresh: list[float] = []
    kept: list[float] = []
    with services("bench-svc") as (sroot, sname, sport, senv), hello("bench-svc-base") as (hroot, _hname, henv):
        hport = hello_port(hroot)
        for root, env in ((sroot, senv), (hroot, henv)):
            run(root, env, "lock")
        for i in range(args.runs + 1):  # the first round builds, runs initdb, warms caches
            a = up_to_first_response(sroot, senv, sport, "(postgres)")
            remove_app_containers(sname)
            k = up_to_first_response(sroot, senv, sport, "(postgres)")
            run(sroot, senv, "down")
            b = up_to_first_response(hroot, henv, hport, "v1 development")
            run(hroot, henv, "down")
            if i:
                with_services.append(a)
                kept.append(k)
                without.append(b)
        for _ in range(args.fresh):
            run(sroot, senv, "down", "--volumes")
            fresh.append(up_to_first_response(sroot, senv, sport, "(postgres)"))
        run(sroot, senv, "down")
    ratios = sorted(a / b for a, b in zip(with_services, without, strict=True))
    print(f"up --detach -> first response, images cached, {args.runs} pairs")
    print(line("with db (postgres:15) + cache (redis:7) + worker", with_services))
    print(line("with the services kept running", kept))
    print(line("without services (examples/hello)", without))
    print(f"ratio (median of {len(ratios)} pairs): {statistics.median(ratios):.2f}x")
    kept_ratios = sorted(k / b for k, b in zip(kept, without, strict=True))
    print(f"ratio, services kept (median of {len(kept_ratios)} pairs): {statistics.median(kept_ratios):.2f}x")
    if fresh:
        extra = statistics.median(fresh) - statistics.median(with_services)
        print(line("with services, fresh data volume (initdb)", fresh))
        print(f"initdb on a fresh volume adds about {extra:.0f} ms (median fresh - median cached)")
    ok = statistics.median(with_services) <= TARGET_MS
    print(f"target median <= {TARGET_MS} ms with Postgres: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
