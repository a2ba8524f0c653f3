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
import statistics
import subprocess
import sys
from pathlib import Path

from _bench import cli, devparity_reloads, docker_restarts, pct, project, summary

from tests.support import go_toml  # after _bench, which puts the repository on sys.path

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
        go_toml(
            name,
            port=port,
            extra=f'env = {{ APP_ENV = "production", PORT = "{port}" }}\n\n'
            '[dev]\ncommand = ["/opt/app-dev/app"]\nenv = { APP_ENV = "development" }\n',
        )
    )


def set_version(root: Path, version: str) -> None:
    (root / "main.go").write_text(MAIN.replace('"v1"', f'"{version}"'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--port", type=int, default=18600)
    args = parser.parse_args()
    with project("bench-reload-go", args.port) as (root, _name, env):
        write_go_project(root, _name, args.port)
        subprocess.run([cli(), "build", "-q"], cwd=root, env=env, check=True, capture_output=True)
        ours = devparity_reloads(root, env, args.port, args.edits, edit=set_version, first_timeout=600, edit_timeout=60)
        base = docker_restarts(root, env, args.port, args.edits, edit=set_version, timeout=120)
    print(f"reload, Go net/http app, edit -> first response with the new text, {args.edits} edits each")
    print(f"devparity up (go build in the dev container, warm cache, re-exec): {summary(ours)}")
    print(f"docker restart (same container, same build step): {summary(base)}")
    print(f"ratio p50: {statistics.median(ours) / statistics.median(base):.2f}x docker restart")
    ok = statistics.median(ours) <= 1500
    print(f"target p50 <= 1.5 s: {'ok' if ok else 'MISSED'} (p95 {pct(ours, 0.95):.0f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
