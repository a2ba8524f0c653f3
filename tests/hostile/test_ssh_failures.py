"""Hostile corpus, ssh:// engines that refuse (issue 9): the system ssh
client's own stderr must not leak beside devparity's error; its last line is
folded into that one line (masked like every quoted text). Cases: nothing
listens on the port, the server refuses the user's key (a private sshd on a
free 127.0.0.1 port, its host key known, no authorized key), a host whose
name is shaped like a token."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import assert_clean, listing, make_project, run
from tests.support import free_port

pytestmark = pytest.mark.skipif(not shutil.which("ssh"), reason="needs the ssh client")
TOKEN = "ghp_" + "a1B2c3D4e5" * 4


def test_nothing_listens_one_line_quoting_ssh(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = f"ssh://nobody@127.0.0.1:{free_port()}"
    for cmd in (("status",), ("up", "--detach"), ("down",), ("check",)):
        result = run(root, *cmd, env={"DOCKER_HOST": address})
        assert_clean(result, 3, mentions=(f"no Docker engine answers at {address}", "ssh said: ssh: connect to host 127.0.0.1",
                                          "Connection refused", "check that `ssh` reaches that host"), root=root, before=before)


def test_a_token_shaped_host_is_masked_in_the_error_and_in_doctor(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    address = f"ssh://nobody@{TOKEN}:22"
    result = run(root, "status", env={"DOCKER_HOST": address})
    assert_clean(result, 3, secrets=(TOKEN,), mentions=("ssh said", "<masked:"))
    doctor = run(root, "doctor", "--json", env={"DOCKER_HOST": address})
    assert doctor.code == 1 and TOKEN not in doctor.output and "Traceback" not in doctor.output, doctor.output
    engine = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "engine")
    assert engine["status"] == "problem" and "ssh said" in engine["detail"], engine


@pytest.fixture
def refusing_sshd(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """sshd on a free 127.0.0.1 port that knows no key of ours, and a bin dir
    whose `ssh` trusts its host key and offers a key it refuses."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if os.geteuid() != 0 or not Path(sshd).exists():
        pytest.skip("needs root and sshd (scripts/engine installs openssh-server)")
    d = tmp_path / "sshd"
    (d / "bin").mkdir(parents=True)
    for key in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
    port = free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'nobody_authorized'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\n"
    )
    host_key = (d / "host.pub").read_text().split()[:2]
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {' '.join(host_key)}\n")
    (d / "ssh_config").write_text(
        f"Host 127.0.0.1\n  IdentityFile {d / 'client'}\n  IdentitiesOnly yes\n  UserKnownHostsFile {d / 'known_hosts'}\n"
        "  StrictHostKeyChecking yes\n  BatchMode yes\n"
    )
    wrapper = d / "bin" / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {d / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    proc = subprocess.Popen([sshd, "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run([str(wrapper), "-p", str(port), "root@127.0.0.1", "true"], capture_output=True, text=True)
            if "Permission denied" in probe.stderr:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the private sshd did not answer on {port}")
        yield port, d / "bin"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_refused_key_is_one_line_quoting_ssh(tmp_path: Path, refusing_sshd: tuple[int, Path]) -> None:
    port, bin_dir = refusing_sshd
    root = make_project(tmp_path / "p")
    before = listing(root)
    address = f"ssh://root@127.0.0.1:{port}"
    env = {"DOCKER_HOST": address, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    for cmd in (("status",), ("up", "--detach")):
        result = run(root, *cmd, env=env)
        assert_clean(result, 3, mentions=(f"no Docker engine answers at {address}", "ssh said", "Permission denied (publickey)"),
                     root=root, before=before)
