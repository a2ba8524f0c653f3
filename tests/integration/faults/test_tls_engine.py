"""A real engine over TLS (issue 9, point 1): a private dockerd on
tcp://127.0.0.1:PORT with --tlsverify and certificates `openssl` made for
this session (tests/support/tls_engine.py). With DOCKER_TLS_VERIFY and
DOCKER_CERT_PATH devparity's `status`, `doctor`, `up --detach` and `down`
work against it, REQUESTS_CA_BUNDLE set or not; each way of getting TLS
wrong is exit 3 with one line naming the address and what to try.

Marked `faults` (a private dockerd, root; run with the other private-engine
tests); the engine is stopped and its bridge removed at the end."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, listing, make_project, run
from tests.support import cli_process, free_port, python_project, unique_name, wait_for_text
from tests.support.tls_engine import LOCK, Certs, TlsEngine

pytestmark = pytest.mark.faults
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _unusable() -> str | None:
    if os.geteuid() != 0:
        return "the TLS engine test starts a private dockerd and needs root"
    for tool in ("dockerd", "docker", "openssl"):
        if not shutil.which(tool):
            return f"the TLS engine test needs {tool} (scripts/engine installs dockerd and the docker CLI)"
    if subprocess.run(["docker", "-H", "unix:///var/run/docker.sock", "version"], capture_output=True).returncode:
        return "the TLS engine is seeded from the shared one; run scripts/engine"
    return None


@pytest.fixture(scope="module")
def tls_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsEngine]:
    reason = _unusable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + 900
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, f"another session holds {LOCK}"
            time.sleep(1)
    eng = TlsEngine(f"127.0.0.1:{free_port()}", Certs.make(tmp_path_factory.mktemp("tls")))
    try:
        eng.start()
        yield eng
    finally:
        try:
            eng.stop()
        finally:
            os.close(fd)
    assert subprocess.run(["ip", "link", "show", "br-dptls"], capture_output=True).returncode != 0, "the bridge is left"


def test_status_doctor_up_and_down_over_tls(tls_engine: TlsEngine, tmp_path: Path) -> None:
    name = unique_name("dptls")
    port = free_port()
    root = python_project(tmp_path / "app", name, port=port)
    env = tls_engine.env()
    if Path(SYSTEM_BUNDLE).is_file():  # it must not replace the engine's CA (devparity.engine.tls)
        env["REQUESTS_CA_BUNDLE"] = SYSTEM_BUNDLE
    try:
        status = cli_process("status", cwd=root, env=env)
        assert status.code == 0 and "Traceback" not in status.output, status.output
        doctor = cli_process("doctor", cwd=root, env=env)
        assert doctor.code == 0, doctor.output
        assert f"ok    engine       {tls_engine.host}: Docker" in doctor.stdout, doctor.stdout
        up = cli_process("up", "--detach", cwd=root, env=env, timeout=300)
        assert up.code == 0, up.output
        wait_for_text(port, "v1 development", timeout=60)
        ids = tls_engine.docker("ps", "-q", "--filter", f"label=devparity.project={name}").split()
        assert len(ids) == 1, ids  # on the TLS engine, not the shared one
        down = cli_process("down", cwd=root, env=env)
        assert down.code == 0 and "removed" in down.stderr, down.output
        assert tls_engine.docker("ps", "-aq", "--filter", f"label=devparity.project={name}").split() == []
    finally:
        for cid in tls_engine.docker("ps", "-aq", "--filter", f"label=devparity.project={name}").split():
            tls_engine.docker("rm", "-f", cid)


def test_tls_without_verification_works_quietly(tls_engine: TlsEngine, tmp_path: Path) -> None:
    """DOCKER_TLS alone: a client certificate, the engine's own unverified
    (the CLI's meaning); urllib3's warning on every request is not printed."""
    root = make_project(tmp_path / "p")
    env = {**tls_engine.env(tls_engine.certs.wrong_ca, verify=False), "DOCKER_TLS": "1"}
    result = run(root, "status", env=env)
    assert result.code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "no containers for hostile in this checkout (start one with `devparity up`)"
    ], result.output


def _cases(eng: TlsEngine) -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    c = eng.certs
    return {
        "verify-unset": (eng.env(verify=False), ("speaks TLS and DOCKER_TLS_VERIFY is not set", "set DOCKER_TLS_VERIFY=1")),
        "wrong-ca": (eng.env(c.wrong_ca), ("presented a certificate this client does not trust", f"{c.wrong_ca}/ca.pem")),
        "no-client-cert": (eng.env(c.ca_only), ("requires a client certificate", str(c.ca_only), "cert.pem and key.pem")),
        "client-cert-of-another-ca": (eng.env(c.stranger), ("refused the client certificate", f"{c.stranger}/cert.pem")),
    }


@pytest.mark.parametrize("case", ["verify-unset", "wrong-ca", "no-client-cert", "client-cert-of-another-ca"])
@pytest.mark.parametrize("cmd", [("status",), ("up", "--detach")])
def test_tls_mistakes_are_one_line_naming_the_engine_and_the_fix(
    tls_engine: TlsEngine, tmp_path: Path, case: str, cmd: tuple[str, ...]
) -> None:
    env, words = _cases(tls_engine)[case]
    root = make_project(tmp_path / "p")
    before = listing(root)
    result = run(root, *cmd, env=env, timeout=60)
    assert_clean(result, 3, mentions=(f"the engine at {tls_engine.host}", *words), root=root, before=before)
