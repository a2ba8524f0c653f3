"""A private dockerd reached over TLS (issue 9, point 1), as a remote engine
with `DOCKER_TLS_VERIFY` is: certificates made with `openssl` in a temp
dir (a CA, a server certificate for IP:127.0.0.1, a client certificate),
and scripts/private-engine started with DP_ENGINE_TLS_ADDR/DIR, so it listens
on tcp://127.0.0.1:PORT with client certificates required, beside its plain
unix socket (which seeds it with python:3.11-slim and stops it). Its own
name, data root, exec root, pid file and bridge: the shared engine and the
other private engines are never touched."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.private_engine import SCRIPT

NAME = "dp-tls"
LOCK = Path(f"/run/{NAME}.lock")  # one pytest session at a time
ENV = {"DP_ENGINE_NAME": NAME, "DP_ENGINE_BRIDGE": "br-dptls", "DP_ENGINE_SUBNET": "172.30.88.1/24"}
SOCKET = f"unix:///run/{NAME}/docker.sock"


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"openssl {' '.join(args)} failed:\n{proc.stderr}"


def _ca(d: Path, cn: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={cn}",
             "-keyout", "ca-key.pem", "-out", "ca.pem", cwd=d)


def _signed(ca: Path, out: Path, name: str, cn: str, ext: str) -> None:
    """``out/name-key.pem`` and ``out/name-cert.pem``, signed by the CA in ``ca``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.ext").write_text(ext + "\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
             "-keyout", str(out / f"{name}-key.pem"), "-out", str(out / f"{name}.csr"), cwd=out)
    _openssl("x509", "-req", "-in", str(out / f"{name}.csr"), "-CA", str(ca / "ca.pem"), "-CAkey", str(ca / "ca-key.pem"),
             "-CAcreateserial", "-days", "2", "-extfile", str(out / f"{name}.ext"), "-out", str(out / f"{name}-cert.pem"),
             cwd=out)


@dataclass(frozen=True)
class Certs:
    server: Path  # ca.pem, server-cert.pem, server-key.pem (dockerd's)
    client: Path  # ca.pem, cert.pem, key.pem: a DOCKER_CERT_PATH
    wrong_ca: Path  # the same client certificate, with another CA's ca.pem
    ca_only: Path  # ca.pem alone: no client certificate to show
    stranger: Path  # the right ca.pem, a client certificate another CA signed

    @classmethod
    def make(cls, root: Path) -> Certs:
        ca, other = root / "ca", root / "other-ca"
        _ca(ca, "devparity test CA")
        _ca(other, "another CA")
        server = root / "server"
        _signed(ca, server, "server", "127.0.0.1", "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth")
        (server / "ca.pem").write_bytes((ca / "ca.pem").read_bytes())
        client, wrong, ca_only = root / "client", root / "wrong-ca", root / "ca-only"
        _signed(ca, client, "client", "devparity-client", "extendedKeyUsage = clientAuth")
        for d, ca_file in ((client, ca), (wrong, other), (ca_only, ca)):
            d.mkdir(exist_ok=True)
            (d / "ca.pem").write_bytes((ca_file / "ca.pem").read_bytes())
        for d in (client, wrong):
            (d / "cert.pem").write_bytes((client / "client-cert.pem").read_bytes())
            (d / "key.pem").write_bytes((client / "client-key.pem").read_bytes())
        stranger = root / "stranger"
        _signed(other, stranger, "client", "someone-else", "extendedKeyUsage = clientAuth")
        (stranger / "ca.pem").write_bytes((ca / "ca.pem").read_bytes())
        (stranger / "cert.pem").write_bytes((stranger / "client-cert.pem").read_bytes())
        (stranger / "key.pem").write_bytes((stranger / "client-key.pem").read_bytes())
        return cls(server, client, wrong, ca_only, stranger)


@dataclass(frozen=True)
class TlsEngine:
    address: str  # 127.0.0.1:PORT
    certs: Certs

    @property
    def host(self) -> str:
        return f"tcp://{self.address}"

    def env(self, cert_path: Path | None = None, *, verify: bool = True) -> dict[str, str]:
        """A devparity process's environment reaching this engine (no
        context, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as given)."""
        return {
            "DOCKER_HOST": self.host,
            "DOCKER_CONTEXT": "",
            "DOCKER_TLS_VERIFY": "1" if verify else "",
            "DOCKER_CERT_PATH": str(cert_path or self.certs.client),
        }

    def _script(self, action: str) -> None:
        env = {**os.environ, **ENV, "DP_ENGINE_TLS_ADDR": self.address, "DP_ENGINE_TLS_DIR": str(self.certs.server)}
        proc = subprocess.run([str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, f"scripts/private-engine {action} failed ({proc.returncode}):\n{proc.stderr}"

    def start(self) -> None:
        """Start it afresh (one left by a killed session is stopped first:
        it would answer on another port, with other certificates)."""
        self._script("stop")
        self._script("start")

    def stop(self) -> None:
        """dockerd and its containerd stopped, its bridge and files removed."""
        self._script("stop")

    def docker(self, *args: str) -> str:
        """The docker CLI over the engine's plain unix socket (set-up and checks)."""
        proc = subprocess.run(["docker", "-H", SOCKET, *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"docker {' '.join(args)} failed:\n{proc.stderr}"
        return proc.stdout
