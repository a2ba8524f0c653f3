"""The version a service reports without exec (issue 8): what its data
directory was created by against the server its image carries. A data
volume made by Postgres 14 under a Postgres 15 image is the classic case:
the server refuses it, or worse, a dev volume hides the upgrade prod faces.

One ``Reader`` per kind of server; ``register`` adds one (the list is
tried in order, the first that recognises the image answers). Pure: the
gather step lists image directories and reads the data file through the
archive API and hands the bytes here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reader:
    """How to read one kind of server's versions.

    ``image_version(fingerprint, trees)``: the server's version from the
    image's fingerprint (env, packages) and the listings of ``image_dirs``
    (name -> entries), or None when this image is not such a server.
    ``data_dir(env)``: the data directory when the config names none (from
    the container's env). ``data_version(bytes)``: the version in
    ``data_file`` (relative to the data directory).
    """

    server: str
    image_dirs: tuple[str, ...]
    image_version: Callable[[Mapping[str, Any], Mapping[str, list[str]]], str | None]
    data_file: str
    data_version: Callable[[bytes], str | None]
    data_dir: Callable[[Mapping[str, str]], str | None]


_MAJOR = re.compile(r"\d{1,4}(?:\.\d{1,4})?", re.ASCII)
_PG_PACKAGE = re.compile(r"postgresql-(\d{1,4})", re.ASCII)
PG_LIB = "/usr/lib/postgresql"


def _pg_image(fp: Mapping[str, Any], trees: Mapping[str, list[str]]) -> str | None:
    """PG_MAJOR (the official image's env), else the postgresql-N package,
    else the one /usr/lib/postgresql/N directory."""
    env = (fp.get("config") or {}).get("env") or {}
    major = env.get("PG_MAJOR")
    if isinstance(major, str) and _MAJOR.fullmatch(major):
        return major
    dpkg = (fp.get("packages") or {}).get("dpkg") or {}
    majors = sorted({m.group(1) for name in dpkg if (m := _PG_PACKAGE.fullmatch(name))})
    if len(majors) == 1:
        return majors[0]
    dirs = sorted({e.strip("/").split("/")[0] for e in trees.get(PG_LIB) or [] if _MAJOR.fullmatch(e.strip("/").split("/")[0])})
    return dirs[0] if len(dirs) == 1 else None


def _pg_data(raw: bytes) -> str | None:
    text = raw.decode("ascii", "replace").strip()
    return text if _MAJOR.fullmatch(text) else None


POSTGRES = Reader(
    server="postgres",
    image_dirs=(PG_LIB,),
    image_version=_pg_image,
    data_file="PG_VERSION",
    data_version=_pg_data,
    data_dir=lambda env: env.get("PGDATA") or "/var/lib/postgresql/data",
)

READERS: list[Reader] = [POSTGRES]


def register(reader: Reader) -> None:
    """Add a server kind (tried after those registered before)."""
    READERS.append(reader)


def data_path(reader: Reader, data_dir: str) -> str:
    return f"{data_dir.rstrip('/')}/{reader.data_file}"


def differs(image: str | None, data: str | None) -> bool:
    """A data directory of another major version than the image's server.
    Unknown on either side (a fresh volume, an unreadable image) is no drift."""
    if image is None or data is None:
        return False
    return image.split(".")[0] != data.split(".")[0]
