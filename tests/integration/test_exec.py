"""`devparity exec` with input piped in (no terminal), against a real dev container."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import python_project
from tests.support.cli import command, process_env
from tests.support.registry import start_dev


def exec_with_input(root: Path, stdin: bytes, *argv: str) -> subprocess.CompletedProcess[bytes]:
    """As tests.support.cli_process, with bytes in and out: exec passes the
    command's raw output through."""
    return subprocess.run(
        command("exec", "dev", "--", *argv), cwd=root, env=process_env(), input=stdin, capture_output=True, timeout=120, check=False
    )


def test_piped_input_reaches_the_command_and_streams_stay_apart(tmp_path: Path, project_name: str, engine: object) -> None:
    python_project(tmp_path, project_name, port=18650)
    start_dev(tmp_path)
    script = b"import sys\nprint(sum(int(x) for x in sys.stdin))\nprint('to-stderr', file=sys.stderr)\nsys.exit(3)\n"
    r = exec_with_input(tmp_path, script, "sh", "-c", "cat > /tmp/s.py && seq 1 50000 | python /tmp/s.py")
    assert r.returncode == 3, r.stderr
    assert r.stdout.decode().strip() == str(sum(range(1, 50001)))
    assert b"to-stderr" in r.stderr and b"to-stderr" not in r.stdout
    big = b"".join(f"{i}\n".encode() for i in range(200000))
    counted = exec_with_input(tmp_path, big, "wc", "-l")
    assert counted.returncode == 0 and counted.stdout.decode().strip() == "200000"
