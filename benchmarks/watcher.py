"""Benchmark: the idle watcher of `devparity up` on a 100,000-file tree.

    /work/venv/bin/python benchmarks/watcher.py [--files 100000] [--idle 30] [--port 18530]

The tree: node_modules holds 90 % of the files (20 per package dir, half in
a lib/ subdir), src/ the rest (100 per dir). `devparity up` runs on it (the
image is built first, node_modules in .dockerignore); the figures are for
the whole `up` process, measured from /proc: the watcher's start (as `up`
reports it, and spawn-to-ready), CPU over ``--idle`` seconds with nothing
changing, RSS (current and peak), and the inotify watches it holds. One
edit afterwards shows the watcher still reloads on the big tree. The same
is measured on the bare project (a few files) for comparison.
Targets: ~0 % CPU idle, RSS <= 150 MB, start <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from _bench import Up, cli, project, set_version, wait_for

CLK = os.sysconf("SC_CLK_TCK")


def make_tree(root: Path, files: int) -> None:
    per_pkg, per_src = 20, 100
    node = files * 9 // 10
    for p in range(node // per_pkg):
        pkg = root / "node_modules" / f"pkg{p:05d}"
        (pkg / "lib").mkdir(parents=True)
        for i in range(per_pkg):
            (pkg / ("lib" if i % 2 else "") / f"f{i}.js").write_text("module.exports = 1;\n")
    for d in range((files - node) // per_src):
        src = root / "src" / f"m{d:03d}"
        src.mkdir(parents=True)
        for i in range(per_src):
            (src / f"f{i}.py").write_text("x = 1\n")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime, stime


def memory_mb(pid: int) -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def inotify_watches(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            count += Path(f"/proc/{pid}/fdinfo/{fd}").read_text().count("inotify wd:")
        except OSError:
            pass
    return count


def measure(root: Path, env: dict[str, str], port: int, idle: float) -> dict[str, float]:
    subprocess.run([cli(), "build", "-q"], cwd=root, env=env, check=True, capture_output=True)
    up = Up(root, env=env)
    try:
        ready_ms = float(up.wait_for(r"watching .* \(ready in (\d+) ms\)", timeout=120).group(1))
        spawn_to_ready = (time.perf_counter() - up.started) * 1000
        wait_for(port, "v1 development", timeout=60)
        time.sleep(2)  # let start-up work settle
        pid = up.proc.pid
        c0, t0 = cpu_seconds(pid), time.perf_counter()
        time.sleep(idle)
        cpu = (cpu_seconds(pid) - c0) / (time.perf_counter() - t0) * 100
        rss, peak = memory_mb(pid)
        watches = inotify_watches(pid)
        t_edit = time.perf_counter()
        set_version(root, "v2")
        reload_ms = (wait_for(port, "v2 development", timeout=10) - t_edit) * 1000
    finally:
        up.stop()
    return {
        "ready_ms": ready_ms,
        "spawn_to_ready_ms": spawn_to_ready,
        "cpu_pct": cpu,
        "rss_mb": rss,
        "peak_mb": peak,
        "watches": watches,
        "reload_ms": reload_ms,
    }


def show(label: str, m: dict[str, float]) -> None:
    print(
        f"{label}: watcher ready in {m['ready_ms']:.0f} ms (spawn to ready {m['spawn_to_ready_ms']:.0f} ms); "
        f"idle CPU {m['cpu_pct']:.2f} %; RSS {m['rss_mb']:.0f} MB (peak {m['peak_mb']:.0f} MB); "
        f"{m['watches']:.0f} inotify watches; one edit served in {m['reload_ms']:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=18530)
    args = parser.parse_args()
    ignore = ".git\n__pycache__\nnode_modules\nsrc\n"
    with project("bench-watch-bare", args.port, dockerignore=ignore) as (root, _name, env):
        bare = measure(root, env, args.port, args.idle)
    with project("bench-watch", args.port, dockerignore=ignore) as (root, _name, env):
        t0 = time.perf_counter()
        make_tree(root, args.files)
        total = sum(len(f) for _, _, f in os.walk(root))
        print(f"tree: {total} files, made in {time.perf_counter() - t0:.1f}s")
        big = measure(root, env, args.port, args.idle)
    show("bare project", bare)
    show(f"{args.files} files ", big)
    ok = big["cpu_pct"] < 1 and big["rss_mb"] <= 150 and big["ready_ms"] <= 2000
    print(f"targets ~0 % CPU, RSS <= 150 MB, start <= 2 s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
