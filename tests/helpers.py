"""Helpers shared by the tests: temp projects and in-process CLI runs."""

from __future__ import annotations

import base64
import hashlib
import textwrap
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from devparity.cli import app

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


def unique_name(prefix: str = "dpt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def python_project(root: Path, name: str, *, port: int = 8000, requirements: str = "", extra_toml: str = "") -> Path:
    """A stdlib HTTP app with a devparity.toml; returns ``root``."""
    write_files(
        root,
        {
            "app.py": APP_PY,
            "requirements.txt": requirements,
            ".python-version": "3.11\n",
            ".dockerignore": ".git\n__pycache__\n*.pyc\n.venv\n",
            "devparity.toml": f"""\
                [project]
                name = "{name}"

                [runtime]
                language = "python"
                version = "3.11"

                [dependencies]
                files = ["requirements.txt"]

                [app]
                command = ["python", "app.py"]
                ports = [{port}]
                env = {{ APP_ENV = "production", PORT = "{port}" }}

                [dev]
                env = {{ APP_ENV = "development" }}
                """
            + textwrap.dedent(extra_toml),
        },
    )
    return root


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run the CLI in-process (cwd switched for the call)."""
    import os

    runner = CliRunner()
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        r = runner.invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(r.exit_code, r.stdout, r.stderr)


def make_wheel(dest: Path, name: str, version: str = "1.0", module_text: str | None = None) -> Path:
    """A minimal pure-Python wheel with one module ``name`` (a zip with
    METADATA, WHEEL and RECORD), installable by pip offline."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": module_text if module_text is not None else f"VERSION = {version!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: devparity-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for rel, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{rel},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for rel, text in files.items():
            z.writestr(rel, text)
    return wheel


LOCK_DIGEST = "sha256:" + "c" * 64


def lock_data(root: Path, *, digest: str = LOCK_DIGEST, salt: str | None = None) -> dict[str, Any]:
    """The lock `devparity lock` would write for the project at ``root``,
    made without an engine (a registry pin of ``digest``, a small fingerprint)."""
    from devparity import config, inputs, lock, render
    from devparity.pin import BasePin

    cfg = config.load(root / "devparity.toml")
    ref = render.base_image(cfg)
    fp = {"schema": 1, "os": {"id": "debian"}, "runtimes": {cfg.language: "3.11.9"}, "packages": {"dpkg": {"bash": "5.2"}}}
    fp["base"] = {"ref": ref, "digest": digest}
    pin = BasePin(ref, digest, "registry", None)
    return lock.make(cfg, inputs.compute(cfg, digest), pin, runtime_in_image="3.11.9", fingerprint=fp, salt=salt)


def write_lock(root: Path, **kwargs: Any) -> dict[str, Any]:
    import json

    data = lock_data(root, **kwargs)
    (root / "devparity.lock").write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")
    return data
