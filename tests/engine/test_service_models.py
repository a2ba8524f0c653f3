"""The models issue 8 adds: a container's pid, restart count and networks
from an inspect document; a network; a container event."""

from __future__ import annotations

from devparity.engine.models import ContainerEvent, ContainerInfo, NetworkInfo


def test_inspect_gives_pid_restarts_and_networks() -> None:
    doc = {
        "Id": "abc",
        "Name": "/shop-dev-db-1234",
        "State": {"Running": True, "Status": "running", "Pid": 4242},
        "RestartCount": 3,
        "NetworkSettings": {"Networks": {"shop-dev-1234": {}, "bridge": {}}},
        "Config": {"Labels": {"devparity.kind": "service", "devparity.component": "db"}},
    }
    c = ContainerInfo.from_inspect(doc)
    assert (c.pid, c.restart_count, c.networks) == (4242, 3, ("bridge", "shop-dev-1234"))
    assert (c.kind, c.component) == ("service", "db")
    bare = ContainerInfo.from_inspect({"Id": "x", "State": {"Running": False}})
    assert (bare.pid, bare.restart_count, bare.networks) == (0, 0, ())


def test_a_network_and_an_event_parse() -> None:
    n = NetworkInfo.parse({"Id": "n1", "Name": "shop-dev-1234", "Labels": {"devparity.project": "shop"}})
    assert (n.id, n.name, n.labels) == ("n1", "shop-dev-1234", {"devparity.project": "shop"})
    assert NetworkInfo.parse({"Id": "n2", "Labels": None}).labels == {}
    e = ContainerEvent.parse({"Action": "die", "Actor": {"ID": "c1", "Attributes": {"exitCode": "5", "devparity.component": "db"}}})
    assert (e.action, e.id, e.exit_code, e.labels["devparity.component"]) == ("die", "c1", 5, "db")
    assert ContainerEvent.parse({"status": "die", "id": "c2", "Actor": {}}).exit_code is None
