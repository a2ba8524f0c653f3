"""ssh:// engines through the system ssh client (issue 9), as the Docker CLI
reaches them: ``ssh [-l USER] [-p PORT] -- HOST docker system dial-stdio``,
so the user's ssh config, agent and known_hosts apply.

The SDK's own socket for this (``use_ssh_client``) lets ssh write to our
stderr: a refused connection would print ssh's line beside devparity's one.
This subclass sends ssh's stderr to a file instead and keeps its last line,
which the error then quotes. Installed once, by ``install()``, before the
first ssh client is made.
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


@functools.lru_cache(maxsize=1)
def install() -> None:
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
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # Ctrl-C is ours to handle
            )

            with _lock:
                _recent[:] = [self]

    sshconn.SSHSocket = QuietSSHSocket
