"""`check --target docker://ENGINE` (issue 9): the project's prod container
on an engine named by its address (here the shared one), against the
release, naming the target and the container."""

from __future__ import annotations

from pathlib import Path

from devparity import config, roles
from devparity.engine import engine_address
from tests.support import make_wheel, run_cli
from tests.support.private_engine import PrivateEngine


def test_prod_on_a_named_engine_is_checked_against_the_release(project: Path, registry: str) -> None:
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    assert run_cli("up", "prod", "--detach", cwd=project).exit_code == 0
    target = f"docker://{engine_address()}"
    r = run_cli("check", "--offline", "--target", target, cwd=project)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert f"target {target}: ok" in r.stdout

    prod = roles.name_for(config.load(project / "devparity.toml"), "prod")
    wheel = make_wheel(project / "wheels", "by_hand_docker", "1.0")
    eng = PrivateEngine(host=engine_address())  # its docker() helper, on the shared engine
    eng.docker("cp", str(wheel), f"{prod}:/tmp/{wheel.name}")
    eng.docker("exec", "-u", "root", prod, "python", "-m", "pip", "install", "-q", "--no-index", f"/tmp/{wheel.name}")
    r = run_cli("check", "--offline", "--target", target, cwd=project)
    assert r.exit_code == 1
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("error") and target in ln)
    assert f"container {prod}" in line and "by-hand-docker 1.0" in line


def test_no_prod_container_on_the_engine_is_drift(project: Path, registry: str) -> None:
    assert run_cli("push", "--registry", registry, cwd=project).exit_code == 0
    r = run_cli("check", "--offline", "--target", "docker://", cwd=project)
    assert r.exit_code == 1 and "no prod container of this project runs on" in r.stdout
