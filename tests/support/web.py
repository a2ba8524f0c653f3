"""Talking to the test app on 127.0.0.1, and picking a free port for it."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, timeout: float = 1.0) -> str | None:
    """The body at 127.0.0.1:port, or None (refused, reset: mid-restart)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as r:
            return str(r.read().decode())
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return None


def wait_for_text(
    port: int, want: str | Callable[[str], bool], timeout: float = 30, poll: float = 0.01, request_timeout: float = 1.0
) -> str:
    """Poll until the app serves ``want`` (a substring or a predicate); the body."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = get(port, request_timeout)
        if last is not None and (want(last) if callable(want) else want in last):
            return last
        time.sleep(poll)
    raise AssertionError(f"127.0.0.1:{port} never served {want!r} (last: {last!r})")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))
