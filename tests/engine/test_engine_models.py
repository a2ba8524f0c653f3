"""The engine's JSON parsed into typed models, over documents captured from
a live engine (tests/fixtures/engine/capture.py: Docker 20.10, API 1.41)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from devparity import labels
from devparity.engine.models import ContainerInfo, ImageInfo, MountInfo, PortInfo, RunConfig, parse_time

UTC = timezone.utc  # datetime.UTC is 3.11+

FIXTURES = Path(__file__).parent.parent / "fixtures" / "engine"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_running_containers_inspect_document() -> None:
    doc = load("container_running.json")
    c = ContainerInfo.from_inspect(doc)
    assert c.id == doc["Id"] and c.short_id == doc["Id"][:12] and len(c.short_id) == 12
    assert c.name == doc["Name"].lstrip("/") and not c.name.startswith("/")
    assert c.running and c.status == "running" and c.exit_code is None
    assert c.role == "dev" and c.labels[labels.PROJECT] == "fixture" and c.inputs == "sha256:" + "ab" * 32
    assert c.image_id == doc["Image"] and c.image_id.startswith("sha256:")
    assert c.started_at is not None and c.started_at.tzinfo is not None
    # the engine's nanoseconds, cut to microseconds, parsed once
    assert c.started_at.isoformat() == doc["State"]["StartedAt"][:26] + "+00:00"
    assert c.created is not None and c.created < c.started_at
    (mount,) = c.mounts
    assert mount == MountInfo("bind", doc["Mounts"][0]["Source"], "/app", True)
    (port,) = c.ports
    assert port.container == 8000 and port.host_ip == "127.0.0.1" and port.protocol == "tcp"
    assert port.host_port == int(doc["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"])
    assert c.config is not None and c.config.cmd == ("/bin/sh", "-c", "sleep 30; exit 3")
    g = c.graph_driver  # the writable layer and those below it, top first (engine/upperdir.py)
    assert g is not None and g.name == "overlay2" and g.upper_dir == doc["GraphDriver"]["Data"]["UpperDir"]
    assert len(g.lower_dirs) == 2 and g.lower_dirs[0].endswith("-init/diff") and ":" not in "".join(g.lower_dirs)


def test_an_exited_containers_inspect_document() -> None:
    c = ContainerInfo.from_inspect(load("container_exited.json"))
    assert not c.running and c.status == "exited" and c.exit_code == 137
    assert c.started_at is not None
    assert c.ports == ()  # a stopped container publishes nothing


def test_a_list_summary_parses_into_the_same_model() -> None:
    doc = load("container_summary.json")
    c = ContainerInfo.from_summary(doc)
    assert c.graph_driver is None  # a summary has none
    inspected = ContainerInfo.from_inspect(load("container_running.json"))
    assert (c.id, c.name, c.labels, c.image_id, c.running, c.mounts, c.ports) == (
        inspected.id,
        inspected.name,
        inspected.labels,
        inspected.image_id,
        True,
        inspected.mounts,
        inspected.ports,
    )
    # what a summary does not say stays unknown, never guessed
    assert c.exit_code is None and c.started_at is None and c.config is None
    assert c.created == datetime.fromtimestamp(doc["Created"], UTC)
    exited = ContainerInfo.from_summary(load("container_summary_exited.json"))
    assert not exited.running and exited.status == "exited" and exited.ports == ()


def test_a_summary_without_names_is_named_by_its_short_id() -> None:
    c = ContainerInfo.from_summary({"Id": "0123456789abcdef", "Labels": None, "State": "created"})
    assert c.name == "0123456789ab" and c.labels == {} and c.role is None and not c.running


def test_an_image_inspect_document() -> None:
    doc = load("image_built.json")
    i = ImageInfo.from_inspect(doc)
    assert i.id == doc["Id"] and i.short_id == doc["Id"].removeprefix("sha256:")[:12]
    assert i.labels[labels.SOURCE] == "sha256:" + "ef" * 32 and labels.ROLE not in i.labels
    assert i.repo_digests == tuple(doc["RepoDigests"]) and i.repo_digests[0].startswith("127.0.0.1:5000/")
    assert i.created is not None and i.created.isoformat() == doc["Created"][:26] + "+00:00"
    assert i.config == RunConfig(
        user="1000:1000",
        workdir="/app",
        entrypoint=("python",),
        cmd=("-m", "http.server", "8000"),
        env=tuple(doc["Config"]["Env"]),
        exposed_ports=("8000/tcp",),
        labels=i.labels,
    )


def test_an_image_without_labels_or_digests() -> None:
    i = ImageInfo.from_inspect(load("image.json"))  # a seeded base: no labels, never pushed
    assert i.labels == {} and i.repo_digests == () and i.repo_tags == ("python:3.11-slim",)
    assert i.config is not None and i.config.entrypoint is None and i.config.cmd == ("/bin/bash",)


def test_an_image_summary() -> None:
    doc = load("image_built_summary.json")
    i = ImageInfo.from_summary(doc)
    assert i.id == ImageInfo.from_inspect(load("image_built.json")).id
    assert i.labels[labels.INPUTS] == "sha256:" + "ab" * 32
    assert i.repo_digests == ()  # Docker 20.10 lists None here even for a pushed image
    assert i.created == datetime.fromtimestamp(doc["Created"], UTC) and i.config is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-28T06:25:27.400379718Z", datetime(2026, 11, 28, 6, 25, 27, 400379, tzinfo=UTC)),
        ("2026-11-28T06:25:27Z", datetime(2026, 11, 28, 6, 25, 27, tzinfo=UTC)),
        ("2026-11-28T06:25:27.5Z", datetime(2026, 11, 28, 6, 25, 27, 500000, tzinfo=UTC)),
        ("2026-11-28T07:25:27.123456789+01:00", datetime(2026, 11, 28, 6, 25, 27, 123456, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),  # the engine's "never started"
        (1795847125, datetime(2026, 11, 28, 6, 25, 25, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("yesterday", None),
    ],
)
def test_timestamps_parse_once_here(raw: Any, expected: datetime | None) -> None:
    assert parse_time(raw) == expected


def test_run_config_tolerates_what_old_images_carry() -> None:
    c = RunConfig.parse({"Cmd": "python app.py", "Entrypoint": [], "Env": None, "Labels": None})
    assert c.cmd == ("python app.py",) and c.entrypoint == () and c.env == () and c.labels == {}
    assert RunConfig.parse(None) == RunConfig()


def test_ports_without_a_host_side_are_left_out() -> None:
    summary = {"Id": "x", "Ports": [{"PrivatePort": 8000, "Type": "tcp"}, {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}]}
    assert ContainerInfo.from_summary(summary).ports == (PortInfo(80, "::", 8080),)
    inspect = {"Id": "x", "NetworkSettings": {"Ports": {"8000/tcp": None, "9000/udp": [{"HostIp": "", "HostPort": "9001"}]}}}
    assert ContainerInfo.from_inspect(inspect).ports == (PortInfo(9000, "", 9001, "udp"),)
