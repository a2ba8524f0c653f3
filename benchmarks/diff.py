"""Benchmark: `devparity diff` of two fingerprints with 5,000 packages each.

    /work/venv/bin/python benchmarks/diff.py [--runs 30] [--packages 5000]

Prints the median and p95 of three measurements: the semantic diff of the
two loaded fingerprints (``devparity.drift.diff.diff``), the whole command
in-process (load both snapshot files, diff, render text), and the whole
process (``devparity diff a.json b.json``, interpreter start-up included).
Target: the diff <= 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_MS = 100


def fingerprint(n: int, variant: int) -> dict[str, Any]:
    """A synthetic fingerprint: ``n`` pip and ``n // 10`` dpkg packages; the
    second variant changes 5% of them, drops 1% and adds 1%."""
    pip = {f"package-{i:05d}": f"1.{i % 7}.{variant if i % 20 == 0 else 0}" for i in range(n)}
    if variant:
        for i in range(0, n, 100):
            pip.pop(f"package-{i + 1:05d}", None)
            pip[f"extra-{i:05d}"] = "0.1.0"
    return {
        "schema": 1,
        "kind": "image",
        "ref": f"bench:{variant}",
        "image_id": f"sha256:{variant:064d}",
        "os": {"id": "debian", "version_id": "12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
        "runtimes": {"python": "3.11.9"},
        "packages": {"pip": pip, "dpkg": {f"lib{i}": f"{i}.0-1" for i in range(n // 10)}},
        "config": {
            "user": "app",
            "workdir": "/app",
            "entrypoint": None,
            "cmd": ["python", "app.py"],
            "exposed_ports": ["8000/tcp"],
            "env": {"APP_ENV": "production" if variant == 0 else "staging", "PATH": "/usr/bin"},
        },
        "base": None,
    }


def _times(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def _report(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"{label:<44} median {median:6.1f} ms  p95 {p95:6.1f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--packages", type=int, default=5000)
    args = parser.parse_args()

    from devparity.commands import drift as cmd
    from devparity.drift.diff import diff

    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-diff-"))
    try:
        a, b = fingerprint(args.packages, 0), fingerprint(args.packages, 1)
        pa, pb = tmp / "a.json", tmp / "b.json"
        pa.write_text(json.dumps(a, indent=2))
        pb.write_text(json.dumps(b, indent=2))
        changes = len(diff(a, b))
        print(f"devparity diff, {args.packages} pip packages per side, {changes} differences, {args.runs} runs")
        core = _report("diff of the loaded fingerprints", _times(lambda: diff(a, b), args.runs))

        def in_process() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                assert cmd.diff(str(pa), str(pb), fmt="text") == 1

        _report("command in-process (load, diff, render)", _times(in_process, args.runs))
        cli = Path(sys.executable).parent / "devparity"
        argv = [str(cli) if cli.exists() else (shutil.which("devparity") or "devparity"), "diff", str(pa), str(pb)]
        _report("whole process", _times(lambda: subprocess.run(argv, capture_output=True, check=False), args.runs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"target: the diff <= {TARGET_MS} ms: {'ok' if core <= TARGET_MS else 'MISSED'}")
    return 0 if core <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
