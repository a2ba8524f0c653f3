"""The typed errors against the real engine: the engine's own answers (a
name in use, a host port taken, an image in use, a missing object) arrive as
Conflict, PortInUse, NotFound (devparity.engine.mapped_errors)."""

from __future__ import annotations

import dataclasses
import io
import socket
from collections.abc import Iterator

import pytest

from devparity import labels
from devparity.engine import containers, images
from devparity.engine.specs import ContainerSpec, PortBinding
from devparity.errors import EXIT_ENGINE, Conflict, ImageNotFound, NotFound, PortInUse

IMAGE = "python:3.11-slim"


def spec(project_name: str, name: str, ports: tuple[PortBinding, ...] = ()) -> ContainerSpec:
    return ContainerSpec(
        name=name,
        role="dev",
        image=IMAGE,
        command=("sleep", "60"),
        env={},
        user=None,
        mounts=(),
        ports=ports,
        labels={labels.PROJECT: project_name, labels.CHECKOUT: "0", labels.ROLE: "dev"},
        working_dir="/",
    )


@pytest.fixture
def held_port() -> Iterator[int]:
    """A 127.0.0.1 port a host process listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_a_taken_host_port_is_port_in_use_and_leaves_no_container(engine: object, project_name: str, held_port: int) -> None:
    with pytest.raises(PortInUse) as info:
        containers.run(spec(project_name, f"{project_name}-port", (PortBinding(8000, "127.0.0.1", held_port),)))
    assert f"127.0.0.1:{held_port}->8000" in info.value.message and info.value.exit_code == EXIT_ENGINE
    assert "[dev].ports" in (info.value.hint or "")
    assert containers.find(project_name) == []  # the half-made container went again


def test_a_name_in_use_is_a_conflict(engine: object, project_name: str) -> None:
    name = f"{project_name}-twice"
    cid = containers.run(spec(project_name, name))
    with pytest.raises(Conflict) as info:
        containers.run(spec(project_name, name))
    assert name in info.value.message and f"docker rm -f {name}" in (info.value.hint or "")
    running = containers.get(cid)
    assert running.running and running.name == name and running.role == "dev" and running.started_at is not None
    (listed,) = containers.find(project_name)
    assert listed.id == cid and listed.running
    containers.remove(cid)
    assert containers.inspect(cid) is None
    containers.remove(cid)  # gone already: fine


def test_missing_objects_are_not_found(engine: object) -> None:
    with pytest.raises(NotFound):
        containers.get("devparity-no-such-container-0")
    with pytest.raises(ImageNotFound):
        images.inspect("devparity-no-such-image:0")
    assert images.find("devparity-no-such-image:0") is None
    assert images.find("sha256:" + "0" * 64) is None


def test_an_image_in_use_is_kept(engine: object, project_name: str) -> None:
    """images.remove: the engine's 409 (a container uses it) is a Conflict,
    reported as kept. The image is this test's own (labelled, removed with
    the project), never the shared base."""
    api = engine.api  # type: ignore[attr-defined]
    dockerfile = f'FROM {IMAGE}\nLABEL {labels.PROJECT}="{project_name}"\n'
    for _ in api.build(fileobj=io.BytesIO(dockerfile.encode()), rm=True, decode=True):
        pass
    (own,) = images.by_labels({labels.PROJECT: project_name})
    assert own.id != images.inspect(IMAGE).id and own.labels[labels.PROJECT] == project_name
    user = spec(project_name, f"{project_name}-user")
    cid = containers.run(dataclasses.replace(user, image=own.id))
    containers.kill(cid, "SIGKILL")
    assert images.remove(own.id) is False  # a stopped container still uses it
    containers.remove(cid)
    assert images.remove(own.id) is True
