"""The test app: a stdlib HTTP server that answers ``<VERSION> <APP_ENV>``,
so a test or a benchmark can tell which code and which role served it."""

from __future__ import annotations

APP_PY = """\
import os, http.server

VERSION = "v1"

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{VERSION} {os.environ.get('APP_ENV')}\\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), H).serve_forever()
"""


def app_text(version: str = "v1") -> str:
    """APP_PY serving ``version`` (an edit a reload must pick up)."""
    return APP_PY.replace('VERSION = "v1"', f'VERSION = "{version}"')
