"""ssh:// engines through the system ssh client (issue 9), as the Docker CLI
reaches them: ``ssh [-l USER] [-p PORT] -- HOST docker system dial-stdio``,
so the user's ssh config, agent and known_hosts apply.

The SDK's own socket for this (``use_ssh_client``) lets ssh write to our
stderr: a refused connection would print ssh's line beside devparity's one.
This subclass sends ssh's stderr to a file instead and keeps its last line,
which the error then quotes. The SDK also started one ssh process per API
request (a new connection pool each time, and a response's close closed the
pipe): here one pool is kept and a connection (one ssh) serves request
after request, as a socket does; a request over ssh takes milliseconds after
the first instead of 0.7-0.9 s. Installed once, by ``install()``, before
the first ssh client is made.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import tempfile
import threading
from typing import IO, Any

_lock = threading.Lock()
_recent: list[Any] = []  # the most recent ssh socket (its process and stderr file)


def last_error() -> str | None:
    """The last line ssh wrote on the most recent connection, once it has
    exited (a refused connection, an unknown host key); None while it runs."""
    with _lock:
        sock = _recent[-1] if _recent else None
    if sock is None or sock.proc is None or sock.err is None:
        return None
    try:
        sock.proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return None
    sock.err.seek(0)
    lines = [ln.strip() for ln in sock.err.read().decode(errors="replace").splitlines() if ln.strip()]
    return lines[-1] if lines else None


class _KeepOpen:
    """ssh's stdout for one response, as http.client reads a socket's file:
    close() leaves it open. ssh's stdout is unbuffered (a FileIO: the SDK
    reads an exec's stream from its fd, see ``channel``, and bytes a buffer
    had read ahead would be lost to it), so ``read(n)`` and ``readinto``
    loop until n bytes or EOF as a buffered file's do: http.client takes a
    short read for a broken connection (IncompleteRead)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    @property
    def channel(self) -> Any:
        """What the SDK reads a hijacked response (an exec's output) from
        over ssh (it expects paramiko's channel): ssh's stdout itself."""
        return self.raw

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            return bytes(self.raw.readall())
        out = bytearray()
        while len(out) < n:
            chunk = self.raw.read(n - len(out))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        total = 0
        while total < len(view):
            got = self.raw.readinto(view[total:])
            if not got:
                break
            total += got
        return total

    def read1(self, n: int = -1) -> bytes:
        return bytes(self.raw.read(n if n and n > 0 else 65536) or b"")

    def close(self) -> None:
        self.closed = True

    def flush(self) -> None:
        pass


@functools.lru_cache(maxsize=1)
def install() -> None:
    import docker  # noqa: F401 - the package first (why: devparity.engine.images.build)
    from docker.transport import sshconn

    class QuietSSHSocket(sshconn.SSHSocket):  # type: ignore[misc]
        err: IO[bytes] | None = None

        def connect(self, **kwargs: object) -> None:
            args = ["ssh"]
            if self.user:
                args += ["-l", self.user]
            if self.port:
                args += ["-p", self.port]
            args += ["--", self.host, "docker system dial-stdio"]
            env = dict(os.environ)
            env.pop("LD_LIBRARY_PATH", None)
            env.pop("SSL_CERT_FILE", None)
            self.err = tempfile.TemporaryFile()
            self.proc = subprocess.Popen(
                args,
                env=env,
                stdout=subprocess.PIPE,
                stdin=subprocess.PIPE,
                stderr=self.err,
                bufsize=0,  # ssh's stdout unbuffered: an exec's stream is read from its fd (see _KeepOpen.channel)
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # Ctrl-C is ours to handle
            )

            with _lock:
                _recent[:] = [self]

        # With the pool kept (below), a connection serves many requests: the
        # file http.client reads a response from, and closes after it, must
        # not close ssh's stdout; and urllib3 asks fileno() whether a pooled
        # connection dropped (data or EOF waiting on ssh's stdout: dropped).
        def makefile(self, mode: str) -> Any:
            if not self.proc:
                self.connect()
            return _KeepOpen(self.proc.stdout)

        def fileno(self) -> int:
            out = self.proc.stdout if self.proc else None
            return int(out.fileno()) if out is not None else int(super().fileno())

    sshconn.SSHSocket = QuietSSHSocket

    # The SDK's adapter makes a new pool, so a new ssh process, for every
    # request when it shells out (0.7-0.9 s each here); keep one, so a pooled
    # connection (one ssh process) serves the next request.
    def get_connection(self: Any, url: str, proxies: Any = None) -> Any:
        if self.ssh_client:
            return sdk_get_connection(self, url, proxies)
        with self.pools.lock:  # one pool for the host (the SDK's key, the request's URL, is one per path)
            pool = self.pools.get(self.ssh_host)
            if pool is None:
                pool = sshconn.SSHConnectionPool(timeout=self.timeout, maxsize=self.max_pool_size, host=self.ssh_host)
                self.pools[self.ssh_host] = pool
            return pool

    sdk_get_connection = sshconn.SSHHTTPAdapter.get_connection
    sshconn.SSHHTTPAdapter.get_connection = get_connection
