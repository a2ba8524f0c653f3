"""Fixtures shared by every test. Engine tests use the real engine and remove
what they create by label; without an engine they fail under CI and skip
locally with a message saying how to get one."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import remove_by_project, unique_name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.engine)
    # The remote-engine tests (issue 9) hold a fixed port and a second dockerd: last.
    items.sort(key=lambda item: "remote" in Path(str(item.fspath)).parts)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVPARITY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="session")
def engine() -> object:
    """A connected Docker client, or fail (CI) / skip (local) with a reason."""
    from devparity import engine as eng
    from devparity.errors import EngineUnavailable

    try:
        return eng.client()
    except EngineUnavailable as exc:
        msg = f"{exc}; run scripts/engine (as root) to start one"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture
def project_name(engine: object) -> Iterator[str]:
    """A unique project name; everything labelled with it is removed after."""
    name = unique_name()
    yield name
    remove_by_project(name, engine)


_SESSION_START = time.time()
# A dangling image this young may be the last finished step of a build still
# running (in this run or in another one sharing the engine): leave it.
_DANGLING_MIN_AGE = 120


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A failed build leaves its last good step as an untagged, unlabelled
    image (labels come at the end of a build). Remove those this run made,
    once, at the end, and only when old enough not to be another build's
    step in progress: removing them per test broke concurrent builds."""
    from devparity import engine as eng

    try:
        api = eng.client().api
        dangling = api.images(filters={"dangling": True})
    except Exception:  # no engine (EngineUnavailable or a broken socket): nothing to clean
        return
    now = time.time()
    for img in dangling:
        created = img.get("Created", 0)
        if created >= _SESSION_START and now - created >= _DANGLING_MIN_AGE:
            try:
                api.remove_image(img["Id"], force=False)
            except Exception:  # in use, or gone already
                pass
