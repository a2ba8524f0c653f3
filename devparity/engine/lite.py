"""The engine's plain JSON calls (list, inspect, remove, a registry digest)
over a local Unix socket with the standard library, without the Docker SDK.

Why: importing the SDK (requests, urllib3, and paramiko for ssh://) and its
start (a version call, a ping) cost 150-250 ms of every command, more than
`down` and a `check` with nothing running do with the engine (issue 10).
What streams (build, logs, exec, archives) and every engine that is not a
local socket (tcp://, ssh://) stay with the SDK (devparity.engine.client).

One connection per request (HTTP/1.0, see ``_exchange``): a Unix connect
costs microseconds, and callers use this from several threads at once
(`down` removes in parallel). Errors
are this module's own (``Unreachable``, ``Slow``, ``APIError``);
devparity.engine.mapped_errors turns them into devparity's, as it does the
SDK's.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode


class Unreachable(Exception):
    """No engine answered the first request (refused, missing, hung up,
    not HTTP, or silent past the ping timeout)."""


class Slow(Exception):
    """An engine that answered before did not answer this request in time."""


class APIError(Exception):
    """The engine answered with an error status."""

    def __init__(self, status: int, explanation: str) -> None:
        super().__init__(f"{status} {explanation}")
        self.status = status
        self.explanation = explanation


class Lite:
    """JSON calls to the engine at the Unix socket ``path``. The first one
    pings first, within ``first_timeout`` (the SDK's ping timeout: a wedged
    engine fails fast; any failure is Unreachable); requests wait
    ``timeout``."""

    def __init__(self, path: str, *, first_timeout: float, timeout: float) -> None:
        self.path = path
        self._first_timeout = first_timeout
        self._timeout = timeout
        self._answered = False

    def request(self, method: str, path: str, query: dict[str, Any] | None = None) -> Any:
        """The decoded JSON answer (None for an empty body); raises
        APIError for a status >= 400, Unreachable or Slow."""
        url = path + ("?" + urlencode(query) if query else "")
        if not self._answered:
            self._ping()
        try:
            status, reason, body = _exchange(self.path, method, url, self._timeout)
        except (TimeoutError, socket.timeout) as exc:  # one class from 3.10 on, not on 3.9
            raise Slow(str(exc)) from exc
        except (OSError, ValueError) as exc:  # refused, missing, hung up, not HTTP
            raise Unreachable(str(exc)) from exc
        if status >= 400:
            raise APIError(status, _explanation(body, reason))
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError as exc:  # an HTTP server that is not an engine
            raise Unreachable(f"not JSON: {exc}") from exc

    def _ping(self) -> None:
        """As the SDK starts: a ping within the first timeout (a wedged engine
        fails fast), so a busy engine's slow answer to a real request later
        gets the API timeout, not the ping's."""
        try:
            status, _, _ = _exchange(self.path, "GET", "/_ping", self._first_timeout)
        except (OSError, ValueError) as exc:  # a timeout included
            raise Unreachable(str(exc)) from exc
        if status != 200:
            raise Unreachable(f"ping answered {status}")
        self._answered = True

    # The calls, named and shaped as docker-py's APIClient methods (the same
    # JSON comes back), so engine/ reads either one the same way.

    def containers(self, *, all: bool = False, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"all": "1" if all else "0"}
        if filters:
            query["filters"] = json.dumps(filters)
        return list(self.request("GET", "/containers/json", query) or [])

    def images(self, *, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        query = {"filters": json.dumps(filters)} if filters else None
        return list(self.request("GET", "/images/json", query) or [])

    def inspect_container(self, ref: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/containers/{_part(ref)}/json"))

    def inspect_image(self, ref: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/images/{_part(ref)}/json"))

    def remove_container(self, cid: str, *, force: bool = False, v: bool = False) -> None:
        """``v``: its anonymous volumes too (`docker rm -v`)."""
        self.request("DELETE", f"/containers/{_part(cid)}", {"force": "1" if force else "0", "v": "1" if v else "0"})

    def networks(self, *, filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        query = {"filters": json.dumps(filters)} if filters else None
        return list(self.request("GET", "/networks", query) or [])

    def inspect_network(self, ref: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/networks/{_part(ref)}"))

    def remove_network(self, ref: str) -> None:
        self.request("DELETE", f"/networks/{_part(ref)}")

    def volumes(self, *, filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        query = {"filters": json.dumps(filters)} if filters else None
        return dict(self.request("GET", "/volumes", query) or {})

    def remove_volume(self, name: str) -> None:
        self.request("DELETE", f"/volumes/{_part(name)}")

    def distribution_digest(self, ref: str) -> str:
        """The digest the engine finds for ``ref`` in its registry now (no
        credentials: see ``needs_credentials``)."""
        doc = self.request("GET", f"/distribution/{_part(ref)}/json")
        return str(doc["Descriptor"]["digest"])


def _exchange(path: str, method: str, url: str, timeout: float) -> tuple[int, str, bytes]:
    """One HTTP/1.0 request on a new connection to the socket at ``path``:
    (status, reason, body). HTTP/1.0 so the engine answers with a plain body
    and closes (no keep-alive, no chunked encoding to undo), and so this
    needs neither http.client nor the email and ssl modules it imports
    (30 ms of a `down` under load). Raises ValueError for an answer that is
    not HTTP."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(f"{method} {url} HTTP/1.0\r\nHost: docker\r\nAccept: application/json\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, sep, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not sep or not version.startswith("HTTP/") or not code.isdigit():
        raise ValueError(f"not an HTTP answer: {status_line[:60]!r}")
    return int(code), reason, body


def _part(value: str) -> str:
    """A path segment, quoted as docker-py quotes it (``/`` and ``:`` kept:
    image references carry both)."""
    return quote_plus(value, safe="/:")


def _explanation(body: bytes, reason: str) -> str:
    """The engine's error message (``{"message": ...}``), else the body or reason."""
    text = body.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text)
    except ValueError:
        return text or reason
    return str(doc.get("message", text)) if isinstance(doc, dict) else text


def socket_path(address: str) -> str | None:
    """The socket file of a ``unix:///abs/path`` address; None for any other
    (tcp://, ssh://, a malformed one: the SDK handles those and their errors)."""
    if not address.startswith("unix://"):
        return None
    path = address.removeprefix("unix://")
    return path if path.startswith("/") else None


def needs_credentials() -> bool:
    """Whether the Docker client config names credentials (auths, a store,
    helpers): the SDK then sends them with a registry request, which this
    client does not, so such a request stays with the SDK."""
    if (Path.home() / ".dockercfg").exists():  # the legacy file the SDK still reads
        return True
    config = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"
    try:
        doc = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # unreadable or damaged: let the SDK decide, as before
    if not isinstance(doc, dict):
        return True
    return any(doc.get(key) for key in ("auths", "credsStore", "credHelpers"))
