"""devparity.engine.lite against the real engine: the same JSON as the SDK's
APIClient for the calls it takes over (issue 10), and the same errors."""

from __future__ import annotations

from typing import Any

import pytest

from devparity import engine as eng
from devparity.engine import containers, images, lite, mapped_errors
from devparity.errors import ImageNotFound, NotFound

BASE = "python:3.11-slim"


@pytest.fixture
def lite_api(engine: Any) -> lite.Lite:
    api = eng.api()
    if not isinstance(api, lite.Lite):
        pytest.skip("the engine is not on a local socket")
    return api


def test_lists_and_inspects_as_the_sdk(engine: Any, lite_api: lite.Lite, project_name: str) -> None:
    labels = {eng.LABEL_PROJECT: project_name, eng.LABEL_ROLE: "dev"}
    cid = engine.api.create_container(BASE, command=["true"], labels=labels)["Id"]
    wanted = {"label": [f"{eng.LABEL_PROJECT}={project_name}"]}
    ours, theirs = lite_api.containers(all=True, filters=wanted), engine.api.containers(all=True, filters=wanted)
    assert [c["Id"] for c in ours] == [c["Id"] for c in theirs] == [cid]
    assert ours[0]["Labels"] == theirs[0]["Labels"]
    assert lite_api.inspect_container(cid)["Config"]["Labels"] == engine.api.inspect_container(cid)["Config"]["Labels"]
    assert lite_api.inspect_image(BASE)["Id"] == engine.api.inspect_image(BASE)["Id"]
    assert [c.id for c in containers.find(project_name)] == [cid]  # through engine.api()
    containers.remove_at_once(cid)
    assert containers.inspect(cid) is None
    containers.remove_at_once(cid)  # gone already is fine


def test_missing_things_are_the_sdks_errors(lite_api: lite.Lite) -> None:
    assert images.find("devparity-no-such-image:never") is None
    with pytest.raises(ImageNotFound), mapped_errors("inspect", missing=ImageNotFound):
        lite_api.inspect_image("devparity-no-such-image:never")
    with pytest.raises(NotFound), mapped_errors("inspect"):
        lite_api.inspect_container("devparity-no-such-container")
