"""What the engine says about itself (``version`` and ``info``), for
`devparity doctor` (issue 11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devparity.engine import client, mapped_errors
from devparity.engine.models import parse_time


@dataclass(frozen=True)
class EngineInfo:
    server_version: str
    api_version: str
    storage_driver: str
    system_time: datetime | None  # the engine host's clock when it answered
    os: str


def info() -> EngineInfo:
    """Raises EngineUnavailable when the engine does not answer."""
    with mapped_errors("ask the engine about itself"):
        api = client().api
        ver = api.version()
        doc = api.info()
    return EngineInfo(
        server_version=str(ver.get("Version") or "?"),
        api_version=str(ver.get("ApiVersion") or "?"),
        storage_driver=str(doc.get("Driver") or "?"),
        system_time=parse_time(doc.get("SystemTime")),
        os=str(doc.get("OperatingSystem") or "?"),
    )
