"""Ports after every default is applied (issue 7): each 1-65535, no port
listed twice, no host port published twice by one role, and dev and prod
never asking for the same host port on the same address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devparity import validate
from devparity.errors import ConfigError

# prod's host ports default to container port + this, so dev and prod run side by side.
PROD_PORT_OFFSET = 1000
PORT_MIN, PORT_MAX = 1, 65535

Getter = Callable[..., Any]
Failer = Callable[[str, str, str], ConfigError]


@dataclass(frozen=True)
class Ports:
    app: tuple[int, ...]
    dev: dict[int, int]
    dev_host: str
    prod: dict[int, int]
    prod_host: str


def _in_range(port: int) -> bool:
    return PORT_MIN <= port <= PORT_MAX


def _mapping(section: str, raw: dict[str, int], app: tuple[int, ...], fail: Failer) -> dict[int, int]:
    """A [dev]/[prod].ports table as {container port: host port}."""
    out: dict[int, int] = {}
    for key, host_port in raw.items():
        # str.isdigit() is True for '٣' and int() would read it: ASCII only.
        if not (key.isascii() and key.isdigit()) or not _in_range(int(key)):
            raise fail(section, "ports", 'keys must be container ports written in ASCII digits, e.g. { "8000" = 8000 }')
        if int(key) not in app:
            raise fail(section, "ports", f"maps container port {int(key)}, which is not in app.ports")
        if not _in_range(host_port):
            raise fail(section, "ports", f"host ports must be between {PORT_MIN} and {PORT_MAX}")
        out[int(key)] = host_port
    return out


def _overlap(a: str, b: str) -> bool:
    """Two publish addresses can clash: equal, or one is the any-address."""
    return a == b or any(ipaddress.ip_address(h).is_unspecified for h in (a, b))


def resolve(get: Getter, fail: Failer) -> Ports:
    app = tuple(get("app", "ports", []))
    if not all(_in_range(p) for p in app):
        raise fail("app", "ports", f"must be between {PORT_MIN} and {PORT_MAX}")
    if len(set(app)) != len(app):
        raise fail("app", "ports", "lists a port twice")
    hosts = {}
    for section in ("dev", "prod"):
        host = get(section, "host", "127.0.0.1")
        if reason := validate.host(host):
            raise fail(section, "host", reason)
        hosts[section] = host
    dev_map = _mapping("dev", get("dev", "ports", {}), app, fail)
    prod_map = _mapping("prod", get("prod", "ports", {}), app, fail)
    dev = {p: dev_map.get(p, p) for p in app}
    prod = {}
    for p in app:
        prod[p] = prod_map.get(p, p + PROD_PORT_OFFSET)
        if not _in_range(prod[p]):
            raise fail(
                "prod", "ports",
                f"needs an entry for app port {p}: its default prod host port {p + PROD_PORT_OFFSET} "
                f"(port + {PROD_PORT_OFFSET}) is above {PORT_MAX}",
            )
    for section, mapping in (("dev", dev), ("prod", prod)):
        if len(set(mapping.values())) != len(mapping):
            raise fail(section, "ports", "publishes one host port for two container ports")
    if _overlap(hosts["dev"], hosts["prod"]):
        clash = sorted(set(dev.values()) & set(prod.values()))
        if clash:
            raise fail("prod", "ports", f"host port {clash[0]} is published by both dev and prod on the same address")
    return Ports(app, dev, hosts["dev"], prod, hosts["prod"])
