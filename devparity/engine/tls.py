"""TLS engines (``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``, issue 9) verified
against the engine's own CA, as the Docker CLI does.

Why: requests lets ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` replace a
session's CA on every request (``Session.merge_environment_settings``).
Many machines and CI images set them to the system bundle, and then the SDK
checks the engine's certificate against that bundle instead of
``DOCKER_CERT_PATH/ca.pem``: every TLS engine fails with "unable to get
local issuer certificate" (and ``DOCKER_TLS`` without verify turns
verification back on). Found by tests/integration/faults/test_tls_engine.py.
The Docker CLI ignores those variables; so do the SDK's clients after
``install()``: a session TLS was configured for (its ``verify`` a CA file or
False) keeps its own setting. Proxies from the environment still apply.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from devparity.engine.endpoint import Tls


@functools.lru_cache(maxsize=1)
def install() -> None:
    import docker  # noqa: F401 - the package first (why: devparity.engine.images.build)
    from docker.api.client import APIClient

    sdk_merge = APIClient.merge_environment_settings

    def merge_environment_settings(self: Any, url: str, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = sdk_merge(self, url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:  # TLSConfig set it: the engine's CA, or no verification
            settings["verify"] = self.verify
        return settings

    APIClient.merge_environment_settings = merge_environment_settings


def quiet_unverified() -> None:
    """``DOCKER_TLS`` without ``DOCKER_TLS_VERIFY``: the user chose not to
    verify the engine (the CLI then says nothing); urllib3 would print a
    warning on every request."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    warnings.filterwarnings("ignore", category=InsecureRequestWarning)


# What the SDK's errors say (their text, causes included) when TLS is the
# problem: the engine's reply to plain HTTP, OpenSSL's reasons on our side
# (a certificate we do not trust, a plain-HTTP engine) and the engine's
# alerts (it did not accept our client certificate, or we sent none).
_PLAIN_TO_TLS = "Client sent an HTTP request to an HTTPS server"
_UNTRUSTED = "CERTIFICATE_VERIFY_FAILED"
_NOT_TLS = "WRONG_VERSION_NUMBER"
_REFUSED_CLIENT = ("ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_REQUIRED", "ALERT_UNKNOWN_CA", "certificate required")
_CERT_FILES = "ca.pem, cert.pem and key.pem"


def diagnose(text: str, address: str, tls: Tls | None, context: str | None) -> tuple[str, str] | None:
    """What went wrong and what to try, as an EngineUnavailable's message and
    hint, when ``text`` (an SDK error and its causes) shows a TLS problem
    talking to ``address``; None otherwise."""
    where = f"the Docker context {context!r}" if context else "DOCKER_CERT_PATH"
    certs = _dir(tls)
    if _PLAIN_TO_TLS in text:
        if context:
            return (f"the engine at {address} speaks TLS and the Docker context {context!r} has no TLS files",
                    "recreate the context with them: `docker context create NAME --docker host=...,ca=...,cert=...,key=...`")
        return (f"the engine at {address} speaks TLS and DOCKER_TLS_VERIFY is not set",
                f"set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding its {_CERT_FILES}")
    if _UNTRUSTED in text:
        _, _, reason = text.partition("certificate verify failed: ")
        why = reason.split(" (_ssl", 1)[0].split("'", 1)[0].strip() or "not signed by a CA we trust"
        ca = f" ({tls.ca})" if tls is not None and tls.ca else ""
        return (f"the engine at {address} presented a certificate this client does not trust: {why}",
                f"the ca.pem in {where}{ca} must be the CA that signed the engine's certificate, and the certificate must name "
                "the address (subjectAltName)")
    if any(alert in text for alert in _REFUSED_CLIENT):
        if tls is None or not tls.cert:
            return (f"the engine at {address} requires a client certificate and {where}{certs} has no cert.pem and key.pem",
                    f"put the client's cert.pem and key.pem, signed by a CA the engine trusts, beside ca.pem in {where}")
        return (f"the engine at {address} refused the client certificate {tls.cert}",
                f"use a cert.pem and key.pem signed by a CA the engine trusts (its --tlscacert) in {where}")
    if _NOT_TLS in text:
        return (f"the engine at {address} does not speak TLS",
                "unset DOCKER_TLS_VERIFY and DOCKER_TLS for this address, or use the engine's TLS port")
    return None


def _dir(tls: Tls | None) -> str:
    found = next((f for f in (tls.ca, tls.cert, tls.key) if f), None) if tls is not None else None
    return f" ({os.path.dirname(found)})" if found else ""
