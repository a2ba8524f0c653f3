"""pnpm, Yarn 1 and Yarn 2+ projects build, run and fingerprint on both kinds
of node image (issue 10): the seeded Debian node:18-slim (nodejs + npm, no
corepack, no pnpm, no yarn) and one shaped like the official images (corepack
installed; built here from the seeded one, tagged CORE_IMAGE, kept for reuse).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from tests.support import free_port, run_cli, wait_for_text

from devparity.drift.fingerprint import fingerprint_image

LOCKS = Path(__file__).parent / "node_managers"
DEBIAN_IMAGE = "node:18-slim"
CORE_IMAGE = "devparity-test/node-corepack:18"
COREPACK = "0.28.2"  # what node 18.20 bundles; its signing keys predate npm's rotation
SERVER = """\
const http = require("http");
const leftPad = require("left-pad");
http.createServer((req, res) => res.end(leftPad("v1", 5, "*") + "\\n")).listen(3000, "0.0.0.0");
"""
# (lockfile in LOCKS, its name in the project, extra files)
KINDS = {
    "pnpm": ("pnpm-lock.yaml", "pnpm-lock.yaml", {}),
    "yarn1": ("yarn1.lock", "yarn.lock", {}),
    "yarn4": ("yarn4.lock", "yarn.lock", {".yarnrc.yml": "nodeLinker: node-modules\n"}),
}
# kind, image, packageManager field (None: unpinned)
CASES = [
    ("pnpm", DEBIAN_IMAGE, None),
    ("pnpm", CORE_IMAGE, None),
    ("pnpm", CORE_IMAGE, "pnpm@9.15.9"),
    ("yarn1", DEBIAN_IMAGE, None),
    ("yarn1", CORE_IMAGE, "yarn@1.22.22"),
    ("yarn4", DEBIAN_IMAGE, None),
    ("yarn4", DEBIAN_IMAGE, "yarn@4.5.3"),
    ("yarn4", CORE_IMAGE, None),
]


@pytest.fixture(scope="module")
def corepack_image(engine: object) -> str:
    api = engine.api  # type: ignore[attr-defined]
    if not api.images(name=CORE_IMAGE):
        dockerfile = (
            f"FROM {DEBIAN_IMAGE}\n"
            f"RUN npm install -g --no-audit --no-fund corepack@{COREPACK} && corepack --version\n"
            "LABEL devparity.test=node-corepack\n"
        )
        for chunk in api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=CORE_IMAGE, rm=True, decode=True):
            assert "error" not in chunk, chunk
    return CORE_IMAGE


def _project(root: Path, name: str, kind: str, image: str, pin: str | None, prod_port: int) -> Path:
    lock, lock_name, extra = KINDS[kind]
    root.mkdir()
    (root / "server.js").write_text(SERVER)
    package = {"name": "demo", "version": "1.0.0", "private": True, "main": "server.js", "dependencies": {"left-pad": "1.3.0"}}
    if pin:
        package["packageManager"] = pin
    (root / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    shutil.copy(LOCKS / lock, root / lock_name)
    for rel, text in extra.items():
        (root / rel).write_text(text)
    (root / "devparity.toml").write_text(
        f"""\
[project]
name = "{name}"

[runtime]
language = "node"
version = "18"
base_image = "{image}"

[dependencies]
files = ["package.json", "{lock_name}"]

[app]
command = ["node", "server.js"]
ports = [3000]

[prod]
ports = {{ "3000" = {prod_port} }}
"""
    )
    return root


@pytest.mark.parametrize(("kind", "image", "pin"), CASES, ids=[f"{k}-{'core' if i == CORE_IMAGE else 'debian'}-{p or 'unpinned'}" for k, i, p in CASES])
def test_manager_builds_runs_and_fingerprints(
    kind: str, image: str, pin: str | None, tmp_path: Path, project_name: str, corepack_image: str
) -> None:
    port = free_port()
    root = _project(tmp_path / "app", project_name, kind, image, pin, port)
    rendered = run_cli("render", cwd=root)
    assert rendered.exit_code == 0, rendered.stderr
    if kind == "yarn4":
        assert "--immutable" in rendered.stdout and "--frozen-lockfile" not in rendered.stdout
    built = run_cli("build", "-q", cwd=root)
    assert built.exit_code == 0, built.stderr
    image_id = built.stdout.strip().splitlines()[-1]
    npm = fingerprint_image(image_id, project=project_name, use_cache=False)["packages"].get("npm", {})
    assert npm.get("left-pad") == "1.3.0"
    try:
        up = run_cli("up", "prod", "--detach", cwd=root)
        assert up.exit_code == 0, up.stderr
        assert "**v1" in wait_for_text(port, "v1", timeout=60)
    finally:
        run_cli("down", cwd=root)
