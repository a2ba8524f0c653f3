"""SDK errors are mapped to devparity's typed errors in one place
(devparity.engine.mapped_errors); callers catch the classes, never sniff
status codes or messages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from docker import errors as de

from devparity import engine
from devparity.errors import (
    Conflict,
    EngineError,
    EngineUnavailable,
    ImageNotFound,
    NotFound,
    PortInUse,
)


def api_error(cls: Any, status: int, explanation: str) -> Exception:
    err: Exception = cls("engine error", response=SimpleNamespace(status_code=status, reason="x"), explanation=explanation)
    return err


def mapped(exc: Exception, **kwargs: Any) -> Exception:
    with pytest.raises(EngineError) as info, engine.mapped_errors("do it", **kwargs):
        raise exc
    assert info.value.__cause__ is exc  # the SDK's error stays reachable for --debug
    return info.value


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (api_error(de.NotFound, 404, "No such container: abc"), NotFound),
        (api_error(de.ImageNotFound, 404, "No such image: x:1"), ImageNotFound),
        (api_error(de.APIError, 409, "Conflict. The container name \"/a\" is already in use"), Conflict),
        (api_error(de.APIError, 409, "conflict: unable to delete 1234 (cannot be forced) - image is being used"), Conflict),
        (
            api_error(de.APIError, 500, "driver failed programming external connectivity: Bind for 127.0.0.1:8000 failed: port is already allocated"),
            PortInUse,
        ),
        (api_error(de.APIError, 500, "listen tcp4 127.0.0.1:8000: bind: address already in use"), PortInUse),
        (api_error(de.APIError, 500, "something else broke"), EngineError),
    ],
)
def test_each_engine_answer_becomes_one_class(exc: Exception, expected: type[EngineError]) -> None:
    err = mapped(exc)
    assert type(err) is expected
    assert err.message.startswith("do it: ")


def test_a_plain_404_for_an_image_is_image_not_found() -> None:
    # the engine answers some image refs with a NotFound the SDK does not call ImageNotFound
    err = mapped(api_error(de.NotFound, 404, "reference does not exist"), missing=ImageNotFound)
    assert isinstance(err, ImageNotFound) and isinstance(err, NotFound)


def test_a_connection_error_is_engine_unavailable() -> None:
    from requests.exceptions import ConnectionError as RequestsConnectionError

    assert isinstance(mapped(RequestsConnectionError("refused")), EngineUnavailable)


def test_container_lookups_and_removals_use_the_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """inspect turns NotFound into None; remove takes NotFound and Conflict
    (another remove under way) as done; image remove reports a Conflict as kept."""
    from devparity.engine import containers, images

    def raising(exc: Exception) -> Any:
        def f(*_a: Any, **_k: Any) -> Any:
            raise exc

        return f

    api = SimpleNamespace(
        inspect_container=raising(api_error(de.NotFound, 404, "No such container: abc")),
        stop=raising(api_error(de.APIError, 409, "removal of container abc is already in progress")),
        remove_container=raising(AssertionError("not reached")),
        remove_image=raising(api_error(de.APIError, 409, "conflict: image is being used by stopped container")),
    )
    monkeypatch.setattr(engine, "client", lambda: SimpleNamespace(api=api))
    monkeypatch.setattr(containers, "client", lambda: SimpleNamespace(api=api))
    monkeypatch.setattr(images, "client", lambda: SimpleNamespace(api=api))
    for module in (engine, containers, images):  # the plain JSON calls (engine.api: lite or the SDK)
        monkeypatch.setattr(module, "api", lambda: api)
    assert containers.inspect("abc") is None
    containers.remove("abc")  # no error
    assert images.remove("sha256:1") is False
