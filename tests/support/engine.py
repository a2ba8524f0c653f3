"""Clean-up by label: everything a test or a benchmark creates carries its
project's ``devparity.project`` label."""

from __future__ import annotations

import contextlib
from typing import Any

from devparity import engine


def remove_by_project(name: str, client: Any = None) -> None:
    """Remove every container, image, network and volume labelled with
    project ``name``, and the dev build-cache volumes named after its dev
    container (``<name>-dev-<checkout>-<key>``, devparity.roles), which
    older versions left unlabelled."""
    api = (client or engine.client()).api
    label = {"label": [f"{engine.LABEL_PROJECT}={name}"]}
    for c in api.containers(all=True, filters=label):
        with contextlib.suppress(Exception):  # removed already (by the code under test)
            api.remove_container(c["Id"], force=True, v=True)
    for img in api.images(filters=label):
        with contextlib.suppress(Exception):  # gone with a parent already
            api.remove_image(img["Id"], force=True)
    for net in api.networks(filters=label):
        with contextlib.suppress(Exception):  # removed already
            api.remove_network(net["Id"])
    for vol in (api.volumes(filters=label) or {}).get("Volumes") or []:
        with contextlib.suppress(Exception):  # still in use, or gone
            api.remove_volume(vol["Name"], force=True)
    for vol in (api.volumes(filters={"name": f"{name}-dev-"}) or {}).get("Volumes") or []:
        if str(vol.get("Name", "")).startswith(f"{name}-dev-"):
            with contextlib.suppress(Exception):  # still in use, or gone
                api.remove_volume(vol["Name"], force=True)
