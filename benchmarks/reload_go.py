"""Benchmark: edit-to-served time of a Go reload, against `docker restart`.

    /work/venv/bin/python benchmarks/reload_go.py [--edits 20] [--port 18600]

A stdlib net/http app (golang:1.19, seeded by scripts/engine). Each edit
rewrites main.go with a new version string; the clock runs from just before
the write to the first response carrying it (polled every 2 ms). First with
`devparity up` watching: the watcher's batch, USR1 to the supervisor, `go
build` inside the dev container with its build cache in a named volume
(warm: the first start built once), then the new binary is exec'd. Then, in
the same run, the same dev container started with `up --detach` and
restarted with `docker restart` after each edit (the baseline; its start
runs the same build step). Target: p50 <= 1.5 s with a warm build cache.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from _bench import Up, cli, pct, project, summary, wait_for

MAIN = """\
package main

import (
\t"net/http"
\t"os"
)

const version = "v1"

func main() {
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
\t\tw.Write([]byte(version + " " + os.Getenv("APP_ENV") + "\\n"))
\t})
\thttp.ListenAndServe(":"+os.Getenv("PORT"), nil)
}
"""


def write_go_project(root: Path, name: str, port: int) -> None:
    for stale in ("app.py", "requirements.txt"):
        (root / stale).unlink(missing_ok=True)
    (root / "go.mod").write_text("module example.com/bench\n\ngo 1.19\n")
    (root / "main.go").write_text(MAIN)
    (root / "devparity.toml").write_text(
        textwrap.dedent(f"""\
        [project]
        name = "{name}"

        [runtime]
        language = "go"
        version = "1.19"

        [dependencies]
        files = ["go.mod"]

        [app]
        command = ["/opt/app/app"]
        ports = [{port}]
        env = {{ APP_ENV = "production", PORT = "{port}" }}

        [dev]
        command = ["/opt/app-dev/app"]
        env = {{ APP_ENV = "development" }}
        """)
    )


def set_version(root: Path, version: str) -> None:
    (root / "main.go").write_text(MAIN.replace('"v1"', f'"{version}"'))


def devparity_reloads(root: Path, env: dict[str, str], port: int, edits: int) -> list[float]:
    up = Up(root, env=env)
    try:
        wait_for(port, "v1 development", timeout=600)
        times = []
        for i in range(2, edits + 2):
            time.sleep(0.4 + random.random() * 0.2)  # separate saves, not one batch
            t0 = time.perf_counter()
            set_version(root, f"v{i}")
            times.append((wait_for(port, f"v{i} development", timeout=60) - t0) * 1000)
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
        wait_for(port, f"v{start} development", timeout=120)
        times = []
        for i in range(start + 1, start + 1 + edits):
            time.sleep(0.2)
            t0 = time.perf_counter()
            set_version(root, f"v{i}")
            api.restart(cid, timeout=10)
            times.append((wait_for(port, f"v{i} development", timeout=120) - t0) * 1000)
        return times
    finally:
        subprocess.run([cli(), "down"], cwd=root, env=env, check=False, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--port", type=int, default=18600)
    args = parser.parse_args()
    with project("bench-reload-go", args.port) as (root, _name, env):
        write_go_project(root, _name, args.port)
        subprocess.run([cli(), "build", "-q"], cwd=root, env=env, check=True, capture_output=True)
        ours = devparity_reloads(root, env, args.port, args.edits)
        base = docker_restarts(root, env, args.port, args.edits)
    print(f"reload, Go net/http app, edit -> first response with the new text, {args.edits} edits each")
    print(f"devparity up (go build in the dev container, warm cache, re-exec): {summary(ours)}")
    print(f"docker restart (same container, same build step): {summary(base)}")
    print(f"ratio p50: {statistics.median(ours) / statistics.median(base):.2f}x docker restart")
    ok = statistics.median(ours) <= 1500
    print(f"target p50 <= 1.5 s: {'ok' if ok else 'MISSED'} (p95 {pct(ours, 0.95):.0f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
