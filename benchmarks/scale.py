"""Cost that grows with the project (issue 10): a no-op `build`, `check` and
`up --detach` on a 5-file project and on the same project with 100,000 more
source files, in the same run, timed pair by pair (small, big, small, big,
...) so the ratio holds while the shared machine's speed drifts.

    python benchmarks/scale.py [--files 100000] [--runs 7] [--up-runs 3]

Set-up (not timed): `lock` and `build` once per project, which fills the
stat cache (devparity.statcache) as a first build on a developer's machine
does. Each timed command then finds its image and changes nothing.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import cli, project  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_sources(root: Path, count: int) -> None:
    """``count`` small modules, 500 to a package directory."""
    for i in range(count):
        d = root / "src" / f"pkg{i // 500}"
        if i % 500 == 0:
            d.mkdir(parents=True, exist_ok=True)
            (d / "__init__.py").write_text("")
        (d / f"m{i}.py").write_text(f"VALUE = {i}\n\ndef f():\n    return VALUE * 2\n")


def run(args: list[str], root: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run([cli(), *args], cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"`devparity {' '.join(args)}` exited {r.returncode} in {root}:\n{r.stderr}")
    return elapsed * 1000


def paired(cmd: list[str], small: tuple[Path, dict[str, str]], big: tuple[Path, dict[str, str]], runs: int) -> None:
    run(cmd, *small), run(cmd, *big)  # warm-up: the page cache, the fingerprint cache
    a, b, ratios = [], [], []
    for _ in range(runs):
        s, g = run(cmd, *small), run(cmd, *big)
        a.append(s), b.append(g), ratios.append(g / s)
    print(
        f"{' '.join(cmd):<22} 5 files {statistics.median(a):6.0f} ms   big {statistics.median(b):6.0f} ms   "
        f"ratio (pair by pair, median) {statistics.median(ratios):.2f}x  [min {min(ratios):.2f}, max {max(ratios):.2f}]"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--up-runs", type=int, default=3)
    opts = ap.parse_args()
    with project("scale-small", free_port()) as (s_root, _s, s_env), project("scale-big", free_port()) as (b_root, _b, b_env):
        add_sources(b_root, opts.files)
        for root, env in ((s_root, s_env), (b_root, b_env)):
            t0 = time.perf_counter()
            run(["lock"], root, env)
            run(["build", "-q"], root, env)
            print(f"set-up {root.parent.name}: lock + first build {time.perf_counter() - t0:.1f} s", flush=True)
        help_ms = statistics.median(run(["--help"], s_root, s_env) for _ in range(5))
        print(f"devparity --help (start-up every command pays): {help_ms:.0f} ms")
        print(f"{opts.files} extra source files; {opts.runs} pairs each")
        small, big = (s_root, s_env), (b_root, b_env)
        paired(["build", "-q"], small, big, opts.runs)
        paired(["check", "--offline"], small, big, opts.runs)
        if opts.up_runs:
            # `up --detach` replaces the running containers each time: the
            # engine's create/start dominates, the same for both projects
            paired(["up", "--detach"], small, big, opts.up_runs)
            run(["down"], *small), run(["down"], *big)


if __name__ == "__main__":
    main()
