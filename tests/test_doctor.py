"""devparity.doctor's pure checks (issue 11): each measured fact in, one
Check out, with a fix when it is not ok."""

from __future__ import annotations

from devparity import doctor
from devparity.errors import EXIT_DRIFT, EXIT_OK


def test_engine_down_is_a_problem_naming_the_address_and_fix() -> None:
    c = doctor.engine("tcp://127.0.0.1:1", None, None, "no Docker engine answers at tcp://127.0.0.1:1", "point DOCKER_HOST elsewhere")
    assert (c.status, c.fix) == (doctor.PROBLEM, "point DOCKER_HOST elsewhere")
    assert "tcp://127.0.0.1:1" in c.detail
    up = doctor.engine("unix:///var/run/docker.sock", "20.10.24", "1.41", None, None)
    assert up.status == doctor.OK and "20.10.24" in up.detail and "1.41" in up.detail


def test_storage_driver() -> None:
    assert doctor.storage("overlay2").status == doctor.OK
    assert doctor.storage("vfs").status == doctor.WARNING
    assert "overlay2" in (doctor.storage("devicemapper").fix or "")


def test_project_dir_unseen_is_a_problem_only_for_mount() -> None:
    assert doctor.sees("mount", "/p", False).status == doctor.PROBLEM
    assert doctor.sees("auto", "/p", False).status == doctor.OK
    assert "sync" in doctor.sees("auto", "/p", False).detail
    assert doctor.sees("mount", "/p", True).status == doctor.OK
    assert doctor.sees("sync", "/p", None).status == doctor.OK
    assert doctor.sees("auto", "/p", None, "no image").status == doctor.SKIPPED


def test_inotify_limit_against_the_directory_count() -> None:
    assert doctor.inotify(8192, 10).status == doctor.OK
    assert doctor.inotify(8192, 5000).status == doctor.WARNING
    low = doctor.inotify(8192, 9000)
    assert low.status == doctor.PROBLEM and "max_user_watches" in (low.fix or "") and "9000" in low.detail
    assert doctor.inotify(None, 10).status == doctor.SKIPPED


def test_ports_free_taken_and_ours() -> None:
    wanted = {8000: "dev", 9000: "prod", 5432: "service db"}
    checks = doctor.ports(wanted, {8000: False, 9000: True, 5432: False}, ours=[8000])
    assert [c.status for c in checks] == [doctor.PROBLEM, doctor.OK, doctor.OK]  # sorted: 5432, 8000, 9000
    assert "5432" in checks[0].detail and "5432" in (checks[0].fix or "")
    assert "this project's" in checks[1].detail and "free" in checks[2].detail


def test_registry_reachable_unreachable_local_only() -> None:
    assert doctor.registry("python:3.11-slim", "registry", "registry-1.docker.io:443", None).status == doctor.OK
    down = doctor.registry("python:3.11-slim", "registry", "registry-1.docker.io:443", "timed out")
    assert down.status == doctor.WARNING and "docker pull python:3.11-slim" in (down.fix or "")
    assert "local-only" in doctor.registry("mine:1", "local", "registry-1.docker.io", None).detail


def test_registry_host_reads_references_as_docker_does() -> None:
    assert doctor.registry_host("python:3.11-slim") == ("registry-1.docker.io", 443)
    assert doctor.registry_host("library/python@sha256:abc") == ("registry-1.docker.io", 443)
    assert doctor.registry_host("127.0.0.1:5000/app:1") == ("127.0.0.1", 5000)
    assert doctor.registry_host("ghcr.io/org/app:1") == ("ghcr.io", 443)
    assert doctor.registry_host("localhost/app") == ("localhost", 443)


def test_clock_skew() -> None:
    assert doctor.clock(0.4).status == doctor.OK
    ahead = doctor.clock(42.0)
    assert ahead.status == doctor.WARNING and "ahead" in ahead.detail
    assert "behind" in doctor.clock(-42.0).detail
    assert doctor.clock(None).status == doctor.SKIPPED


def test_host_runtime() -> None:
    assert doctor.host_runtime("python", "3.11", "3.11.7", None, True, "pyenv").status == doctor.OK
    off = doctor.host_runtime("python", "3.11", "3.12.1", None, False, "pyenv")
    assert off.status == doctor.WARNING and "pyenv" in (off.fix or "")
    assert doctor.host_runtime("python", "3.11", None, "python3 is not on the host's PATH", False, "pyenv").status == doctor.SKIPPED


def test_exit_code_and_document() -> None:
    fine = [doctor.Check("a", doctor.OK, "x"), doctor.Check("b", doctor.WARNING, "y", "z")]
    assert doctor.exit_code(fine) == EXIT_OK
    bad = [*fine, doctor.Check("c", doctor.PROBLEM, "broken", "fix it")]
    assert doctor.exit_code(bad) == EXIT_DRIFT
    doc = doctor.document(bad, project="p", config=None)
    assert doc["schema"] == doctor.SCHEMA and doc["ready"] is False
    assert doc["checks"][2] == {"name": "c", "status": "problem", "detail": "broken", "fix": "fix it"}
