"""Removing a container removes the anonymous volume its image's VOLUME got
(redis:7 declares /data) and keeps a named volume it mounted: `down` must
leave nothing unlabelled behind, `down` without --volumes must keep data."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from devparity import labels
from devparity.engine import containers

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("remove", [containers.remove, containers.remove_at_once])
def test_remove_takes_anonymous_volumes_and_keeps_named_ones(engine: Any, project_name: str, remove: Any) -> None:
    named = f"{project_name}-data"
    engine.api.create_volume(named, labels={labels.PROJECT: project_name})
    try:
        c = engine.containers.create(
            "redis:7", labels={labels.PROJECT: project_name}, volumes={named: {"bind": "/kept", "mode": "rw"}}
        )
        mounts = engine.api.inspect_container(c.id)["Mounts"]
        anonymous = [m["Name"] for m in mounts if m["Destination"] == "/data"]
        assert len(anonymous) == 1, mounts

        remove(c.id)

        present = {v["Name"] for v in (engine.api.volumes() or {}).get("Volumes") or []}
        assert anonymous[0] not in present
        assert named in present
    finally:
        with contextlib.suppress(Exception):
            engine.api.remove_volume(named, force=True)
