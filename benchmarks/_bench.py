"""Shared by the `up` benchmarks (reload.py, up.py, watcher.py): a temp
project with a stdlib HTTP app, the installed CLI in a subprocess, HTTP
polling on 127.0.0.1, percentiles, and clean-up by label."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

APP = """\
import os, http.server

VERSION = "v1"

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{VERSION} {os.environ.get('APP_ENV')}\\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), H).serve_forever()
"""


def cli() -> str:
    local = Path(sys.executable).parent / "devparity"
    return str(local) if local.exists() else (shutil.which("devparity") or "devparity")


def write_project(
    root: Path, name: str, port: int, *, dockerignore: str = ".git\n__pycache__\n", base: str | None = None
) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP)
    (root / "requirements.txt").write_text("")
    (root / ".dockerignore").write_text(dockerignore)
    (root / "devparity.toml").write_text(
        textwrap.dedent(f"""\
        [project]
        name = "{name}"

        [runtime]
        language = "python"
        version = "3.11"
        {f'base_image = "{base}"' if base else ""}

        [dependencies]
        files = ["requirements.txt"]

        [app]
        command = ["python", "app.py"]
        ports = [{port}]
        env = {{ APP_ENV = "production", PORT = "{port}" }}

        [dev]
        env = {{ APP_ENV = "development" }}
        """)
    )


def set_version(root: Path, version: str) -> None:
    (root / "app.py").write_text(APP.replace('VERSION = "v1"', f'VERSION = "{version}"'))


def get(port: int, timeout: float = 2.0) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as r:
            return r.read().decode()
    except (urllib.error.URLError, http.client.HTTPException, OSError):  # mid-restart
        return None


def wait_for(port: int, text: str, timeout: float = 60.0, poll: float = 0.002, request_timeout: float = 2.0) -> float:
    """Poll until the app serves ``text``; returns time.perf_counter() then."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        body = get(port, request_timeout)
        if body is not None and text in body:
            return time.perf_counter()
        time.sleep(poll)
    raise TimeoutError(f"127.0.0.1:{port} did not serve {text!r} within {timeout}s")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.0f} ms  p95 {pct(values, 0.95):.0f} ms  "
        f"min {min(values):.0f} ms  max {max(values):.0f} ms  (n={len(values)})"
    )


class Up:
    """`devparity up ...` in the background; stderr lines are collected."""

    def __init__(self, root: Path, env: dict[str, str], *args: str) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [cli(), "up", *args], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise TimeoutError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))

    def stop(self) -> float:
        """Ctrl-C; returns seconds until the process ended."""
        t0 = time.perf_counter()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
        self.reader.join(timeout=5)
        if self.proc.stderr:
            self.proc.stderr.close()
        return time.perf_counter() - t0


@contextmanager
def project(prefix: str, port: int, **kw: str) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A temp project (root, name, env for the CLI); afterwards every container
    and image labelled with it is removed, and the temp dir too."""
    tmp = Path(tempfile.mkdtemp(prefix="devparity-bench-"))
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    root = tmp / "project"
    write_project(root, name, port, **kw)
    env = {**os.environ, "DEVPARITY_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
    try:
        yield root, name, env
    finally:
        cleanup(name)
        shutil.rmtree(tmp, ignore_errors=True)


def cleanup(name: str) -> None:
    from devparity import engine

    api = engine.client().api
    label = {"label": [f"devparity.project={name}"]}
    for c in api.containers(all=True, filters=label):
        api.remove_container(c["Id"], force=True)
    for img in api.images(filters=label):
        with suppress(Exception):  # gone with a parent already
            api.remove_image(img["Id"], force=True)
