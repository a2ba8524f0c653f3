"""TLS engines without an engine (devparity.engine.tls): the engine's own
CA wins over REQUESTS_CA_BUNDLE in the SDK's sessions, and each TLS mistake,
read from the SDK's error text, becomes a message naming the address and
what to try. The real engine: tests/integration/faults/test_tls_engine.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import engine
from devparity.engine import tls
from devparity.engine.endpoint import Endpoint, Tls
from devparity.errors import EXIT_ENGINE

ADDR = "tcp://127.0.0.1:2376"
PLAIN = 'Error while fetching server API version: 400 Client Error for http://127.0.0.1:2376/version: Bad Request ("Client sent an HTTP request to an HTTPS server.")'
UNTRUSTED = ("HTTPSConnectionPool(host='127.0.0.1', port=2376): Max retries exceeded with url: /version (Caused by SSLError("
             "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
             "issuer certificate (_ssl.c:1006)')))")
BAD_CERT = "(Caused by SSLError(SSLError(1, '[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate (_ssl.c:2580)')))"
NOT_TLS = "(Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')))"


def test_the_engines_ca_wins_over_requests_ca_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docker
    from docker.tls import TLSConfig

    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "system.crt"))
    tls.install()
    api = docker.APIClient(base_url=ADDR, version="1.41", tls=TLSConfig(ca_cert=str(ca), verify=True))
    assert api.merge_environment_settings(f"https://{ADDR[6:]}/version", {}, None, None, None)["verify"] == str(ca)
    unverified = docker.APIClient(base_url=ADDR, version="1.41", tls=TLSConfig(verify=False))
    assert unverified.merge_environment_settings(f"https://{ADDR[6:]}/version", {}, None, None, None)["verify"] is False
    plain = docker.APIClient(base_url="tcp://127.0.0.1:2375", version="1.41")  # no TLS config: requests' rules stay
    assert plain.merge_environment_settings("http://127.0.0.1:2375/version", {}, None, None, None)["verify"] == str(tmp_path / "system.crt")


def test_plain_http_to_a_tls_engine_says_to_set_verify() -> None:
    what, hint = tls.diagnose(PLAIN, ADDR, None, None) or ("", "")
    assert what == f"the engine at {ADDR} speaks TLS and DOCKER_TLS_VERIFY is not set"
    assert "DOCKER_TLS_VERIFY=1" in hint and "DOCKER_CERT_PATH" in hint
    what, hint = tls.diagnose(PLAIN, ADDR, None, "far") or ("", "")
    assert "context 'far' has no TLS files" in what and "docker context create" in hint


def test_an_untrusted_engine_certificate_names_the_ca_file() -> None:
    what, hint = tls.diagnose(UNTRUSTED, ADDR, Tls(True, "/c/ca.pem", "/c/cert.pem", "/c/key.pem"), None) or ("", "")
    assert what == f"the engine at {ADDR} presented a certificate this client does not trust: unable to get local issuer certificate"
    assert "/c/ca.pem" in hint and "subjectAltName" in hint


def test_a_refused_or_missing_client_certificate() -> None:
    what, hint = tls.diagnose(BAD_CERT, ADDR, Tls(True, "/c/ca.pem"), None) or ("", "")
    assert what == f"the engine at {ADDR} requires a client certificate and DOCKER_CERT_PATH (/c) has no cert.pem and key.pem"
    what, hint = tls.diagnose(BAD_CERT, ADDR, Tls(True, "/c/ca.pem", "/c/cert.pem", "/c/key.pem"), None) or ("", "")
    assert what == f"the engine at {ADDR} refused the client certificate /c/cert.pem" and "--tlscacert" in hint


def test_tls_to_a_plain_engine_and_other_errors() -> None:
    what, _ = tls.diagnose(NOT_TLS, ADDR, Tls(True, "/c/ca.pem"), None) or ("", "")
    assert what == f"the engine at {ADDR} does not speak TLS"
    assert tls.diagnose("Connection refused", ADDR, Tls(True, "/c/ca.pem"), None) is None


def test_the_engine_error_reads_the_causes_of_the_sdks_error() -> None:
    try:
        try:
            raise OSError(UNTRUSTED)
        except OSError as cause:
            raise RuntimeError("Error while fetching server API version") from cause
    except RuntimeError as exc:
        err = engine._unavailable(exc, Endpoint(ADDR, tls=Tls(True, "/c/ca.pem")))
    assert str(err).startswith(f"the engine at {ADDR} presented a certificate") and err.exit_code == EXIT_ENGINE


def test_a_contexts_tls_files_are_named_as_the_contexts() -> None:
    what, hint = tls.diagnose(UNTRUSTED, ADDR, Tls(True, "/cfg/ca.pem"), "far") or ("", "")
    assert "the ca.pem in the Docker context 'far' (/cfg/ca.pem)" in hint
    what, hint = tls.diagnose(BAD_CERT, ADDR, Tls(True, "/cfg/ca.pem"), "far") or ("", "")
    assert what.endswith("the Docker context 'far' (/cfg) has no cert.pem and key.pem")
