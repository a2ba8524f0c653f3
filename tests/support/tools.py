"""The other tools issue 11's exports are checked with: the Dev Containers
CLI (npm), docker-compose (Debian) and pre-commit (PyPI). scripts/test
installs each when missing; a test without one fails under CI and skips
locally, saying how to get it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# npm installs the Dev Containers CLI here (scripts/test, DEVPARITY_TOOLS_DIR).
TOOLS_DIR = Path(os.environ.get("DEVPARITY_TOOLS_DIR") or Path.home() / ".cache" / "devparity-tools")
DEVCONTAINER_CLI_VERSION = "0.89.0"


def _missing(what: str, how: str) -> None:
    msg = f"{what} is not installed; {how} (scripts/test does)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def devcontainer_cli() -> str:
    """The path of the `devcontainer` command."""
    path = TOOLS_DIR / "devcontainers" / "node_modules" / ".bin" / "devcontainer"
    if not path.is_file():
        _missing(
            "the Dev Containers CLI",
            f"npm install --prefix {TOOLS_DIR / 'devcontainers'} @devcontainers/cli@{DEVCONTAINER_CLI_VERSION}",
        )
    return str(path)


def docker_compose() -> str:
    """The path of Debian's `docker-compose` (1.29)."""
    found = shutil.which("docker-compose")
    if found is None:
        _missing("docker-compose", "apt-get install -y docker-compose")
    return str(found)


def pre_commit() -> list[str]:
    """The argv prefix that runs pre-commit (from the test extras)."""
    probe = subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True, text=True)
    if probe.returncode != 0:
        _missing("pre-commit", "pip install pre-commit")
    return [sys.executable, "-m", "pre_commit"]
