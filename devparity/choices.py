"""The closed sets of values command-line options take. Typer-free: the
Typer app declares its options with them and the fast path parses them."""

from __future__ import annotations

from enum import Enum


class UpRole(str, Enum):
    dev = "dev"
    prod = "prod"
    all = "all"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class SnapshotFormat(str, Enum):
    json = "json"
    cyclonedx = "cyclonedx"


class Publish(str, Enum):
    host = "host"
    ingress = "ingress"
