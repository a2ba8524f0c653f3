"""The SDK's paramiko import is deferred to its first use
(devparity.engine._defer_paramiko): about 90 ms of every engine command's
start-up, used only by the SDK's own ssh transport."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support.cli import process_env


def _run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=process_env(), capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_importing_the_sdk_loads_no_paramiko() -> None:
    out = _run(
        """
        import sys
        import devparity.engine
        import docker
        from docker.transport import sshconn  # the SDK's ssh transport is there
        print(sorted(m for m in sys.modules if m.startswith(("paramiko.", "invoke"))), hasattr(sshconn, "SSHHTTPAdapter"))
        """
    )
    assert out == "[] True"


def test_the_first_use_loads_the_real_paramiko() -> None:
    out = _run(
        """
        import sys
        import devparity.engine
        import docker
        from docker.transport import sshconn
        client = sshconn.paramiko.SSHClient  # what the SDK's ssh transport reads first
        import paramiko
        print(client.__module__, type(sys.modules["paramiko"]).__name__, paramiko.SSHClient is client)
        """
    )
    assert out == "paramiko.client module True"


def test_a_process_that_imported_paramiko_first_keeps_it() -> None:
    out = _run(
        """
        import sys
        import paramiko
        real = sys.modules["paramiko"]
        import devparity.engine
        print(sys.modules["paramiko"] is real)
        """
    )
    assert out == "True"
