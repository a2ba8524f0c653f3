"""`status`'s loopback report (devparity.listening) without an engine: the
app's command out of the dev supervisor's wrapper, one report per
container port, the fix named by framework, nothing for a stopped one."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from devparity import listening, loopback
from devparity.engine.models import ContainerInfo
from devparity.roles import SUPERVISOR_PATH


def info(cmd: list[str], *, running: bool = True, ports: dict[str, Any] | None = None, role: str = "dev") -> ContainerInfo:
    bindings = [{"HostIp": "127.0.0.1", "HostPort": "15000"}, {"HostIp": "::1", "HostPort": "15000"}]
    return ContainerInfo.from_inspect({
        "Id": "c" * 64,
        "Name": "/p-dev",
        "State": {"Running": running, "Status": "running" if running else "exited", "Pid": 4242},
        "Config": {"Cmd": cmd, "Labels": {"devparity.role": role}},
        "NetworkSettings": {"Ports": ports if ports is not None else {"5000/tcp": bindings}},
    })


@pytest.fixture
def found(monkeypatch: pytest.MonkeyPatch) -> list[loopback.Listener]:
    seen: list[loopback.Listener] = []
    monkeypatch.setattr(listening, "by_exec", lambda cid: seen)
    return seen


def test_the_supervisor_wrapper_is_not_the_apps_command() -> None:
    assert listening.app_command(info(["/bin/sh", SUPERVISOR_PATH, "flask", "run"])) == ("flask", "run")
    assert listening.app_command(info(["vite"])) == ("vite",)


def test_a_loopback_only_port_is_reported_once_with_the_frameworks_fix(found: list[loopback.Listener]) -> None:
    found.append(loopback.Listener("127.0.0.1", 5000, True))
    (row,) = listening.report(info(["/bin/sh", SUPERVISOR_PATH, "flask", "run"]), local=False) or []
    assert row["container_port"] == 5000 and row["address"] == "127.0.0.1"
    assert "flask run --host 0.0.0.0" in str(row["fix"])
    assert "dev listens on 127.0.0.1:5000 inside its container" in str(row["message"])
    assert "http://127.0.0.1:15000" in str(row["message"])


def test_a_port_served_beyond_loopback_or_not_yet_is_not_reported(found: list[loopback.Listener]) -> None:
    assert listening.report(info(["flask", "run"]), local=False) == []  # nothing listens yet
    found += [loopback.Listener("127.0.0.1", 5000, True), loopback.Listener("0.0.0.0", 5000, False)]
    assert listening.report(info(["flask", "run"]), local=False) == []


def test_a_stopped_container_or_one_without_ports_is_not_read(found: list[loopback.Listener]) -> None:
    found.append(loopback.Listener("127.0.0.1", 5000, True))
    assert listening.report(info(["flask"], running=False), local=False) is None
    assert listening.report(info(["flask"], ports={}), local=False) == []


def test_a_process_is_named_by_role_and_component(found: list[loopback.Listener]) -> None:
    found.append(loopback.Listener("127.0.0.1", 5000, True))
    doc = info(["node", "worker.js"], role="prod")
    doc.labels.update({"devparity.kind": "process", "devparity.component": "worker"})
    (row,) = listening.report(doc, local=False) or []
    assert str(row["message"]).startswith("prod/worker listens on") and "'0.0.0.0'" in str(row["fix"])


def test_sockets_that_cannot_be_read_are_none_not_an_all_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[bytes] = [b"OCI runtime exec failed: exec: \"sh\": executable file not found\r\n"]
    monkeypatch.setattr(listening.containers, "exec_create", lambda cid, argv, tty: "e1")
    monkeypatch.setattr(listening.containers, "exec_stream", lambda exec_id: iter([(said[0], None)]))
    assert listening.by_exec("c1") is None
    assert listening.report(info(["flask", "run"]), local=False) is None
    said[0] = (b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
               b"   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001 0 1 1\n")
    if sys.byteorder == "little":
        assert listening.by_exec("c1") == [loopback.Listener("127.0.0.1", 5000, True)]
