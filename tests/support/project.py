"""Projects on disk: the Python test project, files, a local wheel, and a
lock made without an engine."""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
import uuid
import zipfile
from pathlib import Path
from typing import Any

from devparity import config, inputs, lock, lock_services, render, secrets
from devparity.pin import BasePin
from tests.support.app import APP_PY
from tests.support.fingerprints import fingerprint

DOCKERIGNORE = ".git\n__pycache__\n*.pyc\n.venv\n"


def unique_name(prefix: str = "dpt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def go_toml(name: str, *, port: int = 8080, extra: str = "") -> str:
    """A devparity.toml for a Go project (the binary at the Go runtime's
    default path); ``extra`` is appended as it is."""
    return f"""\
[project]
name = "{name}"

[runtime]
language = "go"
version = "1.19"

[dependencies]
files = ["go.mod"]

[app]
command = ["/opt/app/app"]
ports = [{port}]
""" + extra


def python_project(
    root: Path,
    name: str,
    *,
    port: int = 8000,
    requirements: str = "",
    extra_toml: str = "",
    base_image: str | None = None,
    install: str | None = None,
    dockerignore: str = DOCKERIGNORE,
) -> Path:
    """The test app (tests.support.app) with a devparity.toml; returns ``root``.
    ``base_image``: build FROM it (e.g. a local registry's copy);
    ``install``: the dependency install command."""
    runtime = f'base_image = "{base_image}"\n' if base_image else ""
    deps = f'install = "{install}"\n' if install else ""
    write_files(
        root,
        {
            "app.py": APP_PY,
            "requirements.txt": requirements,
            ".python-version": "3.11\n",
            ".dockerignore": dockerignore,
        },
    )
    toml = f"""\
[project]
name = "{name}"

[runtime]
language = "python"
version = "3.11"
{runtime}
[dependencies]
files = ["requirements.txt"]
{deps}
[app]
command = ["python", "app.py"]
ports = [{port}]
env = {{ APP_ENV = "production", PORT = "{port}" }}

[dev]
env = {{ APP_ENV = "development" }}
"""
    (root / "devparity.toml").write_text(toml + textwrap.dedent(extra_toml))
    return root


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
SERVICE_DIGEST = "sha256:" + "d" * 64


def lock_data(
    root: Path, *, digest: str = LOCK_DIGEST, salt: str | None = None, local: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The lock `devparity lock` would write for the project at ``root``,
    made without an engine (a registry pin of ``digest``, a small fingerprint;
    each service pinned to SERVICE_DIGEST, local-only when named in ``local``)."""
    cfg = config.load(root / "devparity.toml")
    ref = render.base_image(cfg)
    fp = fingerprint(
        os={"id": "debian"},
        runtimes={cfg.language: "3.11.9"},
        packages={"dpkg": {"bash": "5.2"}},
        base={"ref": ref, "digest": digest},
        drop=("kind", "ref", "image_id", "config"),
    )
    pin = BasePin(ref, digest, "registry", None)
    salt = salt or secrets.new_salt()  # the services' sealed settings need it now
    services = {}
    for s in cfg.services:  # issue 8: a registry pin each, or local-only for names in ``local``
        source = "local" if s.name in local else "registry"
        spin = BasePin(s.image, SERVICE_DIGEST, source, SERVICE_DIGEST if source == "local" else None)
        sfp = fingerprint(os={"id": "debian"}, packages={"dpkg": {"bash": "5.2"}}, runtimes={},
                          base={"ref": s.image, "digest": SERVICE_DIGEST}, drop=("kind", "ref", "image_id"))
        services[s.name] = lock_services.service_entry(s, spin, sfp, salt)
    return lock.make(cfg, inputs.compute(cfg, digest), pin, runtime_in_image="3.11.9", fingerprint=fp, salt=salt,
                     services=services)


def write_lock(root: Path, **kwargs: Any) -> dict[str, Any]:
    data = lock_data(root, **kwargs)
    (root / "devparity.lock").write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")
    return data
