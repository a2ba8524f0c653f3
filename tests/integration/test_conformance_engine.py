"""The engine half of the conformance test (issue 10): every registered
runtime's sample project goes through `init`, `build`, the fingerprint
(the runtime and the sample's package are found) and a watching `up` that
serves an edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import runtimes
from devparity.drift.fingerprint import fingerprint_image
from tests.support import Up, edit, free_port, run_cli, wait_for_text
from tests.runtimes.conformance_support import sample, with_ports

pytestmark = pytest.mark.engine
NAMES = sorted(runtimes.RUNTIMES)


def _project(name: str, tmp_path: Path, project_name: str) -> tuple[Path, int, int]:
    root = sample(name).copy_to(tmp_path / project_name)
    got = run_cli("init", cwd=root)
    assert got.exit_code == 0, got.stderr
    dev, prod = free_port(), free_port()
    toml = (root / "devparity.toml").read_text().replace(f'name = "{root.name}"', f'name = "{project_name}"')
    (root / "devparity.toml").write_text(with_ports(toml, runtimes.get(name).default_port, dev, prod))
    return root, dev, prod


@pytest.mark.parametrize("name", NAMES)
def test_build_and_fingerprint(name: str, tmp_path: Path, project_name: str, engine: object) -> None:
    root, _dev, _prod = _project(name, tmp_path, project_name)
    built = run_cli("build", "-q", cwd=root)
    assert built.exit_code == 0, built.stderr
    image = built.stdout.strip().splitlines()[-1]
    fp = fingerprint_image(image, project=project_name, use_cache=False)
    s = sample(name)
    assert fp["runtimes"].get(name), fp["runtimes"]
    assert s.package in fp["packages"].get(s.ecosystem, {}), sorted(fp["packages"].get(s.ecosystem, {}))[:20]


@pytest.mark.parametrize("name", NAMES)
def test_up_serves_an_edit(name: str, tmp_path: Path, project_name: str, engine: object) -> None:
    root, dev, _prod = _project(name, tmp_path, project_name)
    up = Up(root, "dev")
    try:
        wait_for_text(dev, "v1", timeout=240)
        edit(root / sample(name).edit, "v1", "v2")
        wait_for_text(dev, "v2", timeout=60)
    finally:
        up.close()
        run_cli("down", cwd=root)
