"""The shape of devparity.lock, checked whole on every read. Pure.

A lock is committed and can be edited by anyone with push access; its
values reach a Dockerfile (the base digest) and the CI gate. So every field
is checked for its type and grammar before anything uses it, and an error
names the field (never its value). Consistency between fields is the other
half: see ``devparity.lock.inconsistencies``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from devparity.config import LANGUAGES
from devparity.config_services import NAME as SERVICE_NAME
from devparity.errors import LockError
from devparity.imageref import is_digest, is_reference

_SEALED = re.compile(r"pbkdf2:[0-9a-f]{64}")


def is_sealed(value: object) -> bool:
    """A hash of devparity.secrets.sealed: service settings may hold secrets."""
    return isinstance(value, str) and bool(_SEALED.fullmatch(value))

SCHEMA = 1
SALT_RE = re.compile(r"[0-9a-f]{32}", re.ASCII)
_PROJECT_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}", re.ASCII)
_VERSION_RE = re.compile(r"\d+(?:\.\d+){0,2}", re.ASCII)
# What an image reports as its runtime version ("3.11.9", "18.19.0", "3.13.0rc1").
_IN_IMAGE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+~_-]{0,63}", re.ASCII)
_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{1,200}")
HINT = "regenerate it with `devparity lock`"

TOP_KEYS = (
    "schema", "generated_by", "project", "runtime", "base", "inputs", "inputs_hash", "fingerprint", "salt", "digest",
)
# Written only when devparity.toml has [services.NAME] (issue 8), so the lock
# of a project without services reads and hashes as before.
# `devparity push` adds ``release`` (issue 9).
OPTIONAL_KEYS = ("services", "release")
SERVICE_KEYS = ("ref", "digest", "source", "local_only", "inputs", "fingerprint")
SERVICE_INPUTS = ("env", "data", "command")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", re.ASCII)


class _Bad(Exception):
    """A field that does not have its shape: ``field`` must be ``what``."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(field)
        self.field, self.what = field, what


def validate(data: Any, where: str) -> None:
    """Raise LockError naming the first field of ``data`` that is malformed."""
    if not isinstance(data, dict):
        raise LockError(f"{where}: not a devparity lock (the top level must be a JSON object)", hint=HINT)
    schema = data.get("schema")
    if type(schema) is not int or schema != SCHEMA:
        shown = schema if type(schema) is int else "(missing)" if schema is None else f"of type {type(schema).__name__}"
        raise LockError(f"{where}: unknown lock schema {shown} (this devparity reads {SCHEMA})", hint=HINT)
    try:
        _check(data)
    except _Bad as bad:
        raise LockError(f"{where}: `{bad.field}` {bad.what}", hint=HINT) from None


def _check(data: Mapping[str, Any]) -> None:
    _keys(data, "", TOP_KEYS, OPTIONAL_KEYS)
    _need(data, "generated_by", _text, "must be a line of text such as \"devparity 0.4.0\"")
    _need(data, "project", _match(_PROJECT_RE), "must be a project name (letters, digits, '.', '_', '-')")
    runtime = _table(data, "runtime", ("language", "version", "in_image"))
    _need(runtime, "runtime.language", lambda v: v in LANGUAGES, f"must be one of {', '.join(LANGUAGES)}")
    _need(runtime, "runtime.version", _match(_VERSION_RE), "must be a version such as \"3.11\"")
    _need(runtime, "runtime.in_image", _optional(_match(_IN_IMAGE_RE)), "must be a version or null")
    base = _table(data, "base", ("ref", "digest", "source", "local_only"))
    _pin(base, "base")
    ins = _table(data, "inputs", ("config", "template", "files", "base"))
    _need(ins, "inputs.config", is_digest, "must be a sha256 digest")
    _need(ins, "inputs.template", is_digest, "must be a sha256 digest")
    _need(ins, "inputs.files", _file_table, "must be a table of file = sha256 digest")
    ins_base = _table(ins, "inputs.base", ("ref", "digest"))
    _need(ins_base, "inputs.base.ref", is_reference, "must be an image reference")
    _need(ins_base, "inputs.base.digest", _optional(is_digest), "must be a sha256 digest or null")
    _need(data, "inputs_hash", is_digest, "must be a sha256 digest")
    _need(data, "salt", _match(SALT_RE), "must be 32 lowercase hex digits")
    _need(data, "digest", is_digest, "must be a sha256 digest")
    if data["fingerprint"] is not None:
        _fingerprint(data["fingerprint"], "fingerprint")
    if "services" in data:
        _services(data["services"])
    if "release" in data:
        _release(data)


def _release(data: Mapping[str, Any]) -> None:
    from devparity import release, validate  # release imports inputs, which imports the config

    rel = _table(data, "release", release.KEYS, release.OPTIONAL_KEYS)
    _need(rel, "release.registry", lambda v: isinstance(v, str) and validate.registry(v) is None, "must be a registry")
    _need(rel, "release.repository", is_reference, "must be an image repository")
    _need(rel, "release.tag", _match(_TAG_RE), "must be an image tag")
    for key in ("digest", "image_id", "inputs_hash", "source", "fingerprint"):
        _need(rel, f"release.{key}", is_digest, "must be a sha256 digest")
    if not (isinstance(rel["repository"], str) and rel["repository"].startswith(rel["registry"].rstrip("/") + "/")):
        raise _Bad("release.repository", "must be in `release.registry`")
    if "services" in rel:
        _released_services(rel["services"], rel["registry"])


def _released_services(services: Any, registry: str) -> None:
    """``release.services``: NAME -> the pushed copy of a local-only service image."""
    from devparity import release

    if not isinstance(services, dict) or not services:
        raise _Bad("release.services", "must be a table of service = pushed image")
    for name, entry in services.items():
        if not (isinstance(name, str) and SERVICE_NAME.fullmatch(name)):
            raise _Bad("release.services", "has a name that is no service name (lowercase letters, digits, -)")
        field = f"release.services.{name}"
        if not isinstance(entry, dict):
            raise _Bad(field, f"must be a table of {', '.join(release.SERVICE_KEYS)}")
        _keys(entry, field + ".", release.SERVICE_KEYS)
        _need(entry, f"{field}.repository", is_reference, "must be an image repository")
        _need(entry, f"{field}.tag", _match(_TAG_RE), "must be an image tag")
        _need(entry, f"{field}.digest", is_digest, "must be a sha256 digest")
        _need(entry, f"{field}.image_id", is_digest, "must be a sha256 digest")
        if not entry["repository"].startswith(registry.rstrip("/") + "/"):
            raise _Bad(f"{field}.repository", "must be in `release.registry`")


def _pin(table: Mapping[str, Any], field: str) -> None:
    """An image pin: the base's, or a service's (issue 8)."""
    _need(table, f"{field}.ref", is_reference, "must be an image reference such as \"debian:12-slim\"")
    _need(table, f"{field}.digest", is_digest, "must be sha256: and 64 lowercase hex digits")
    _need(table, f"{field}.source", lambda v: v in ("registry", "local"), "must be \"registry\" or \"local\"")
    local = table["source"] != "registry"
    _need(table, f"{field}.local_only", lambda v: v is local, f"must be true exactly when `{field}.source` is \"local\"")


def _services(services: Any) -> None:
    """``services``: NAME -> a pin, the hashes of its settings, its fingerprint."""
    if not isinstance(services, dict):
        raise _Bad("services", "must be a table of service = pin")
    for name, entry in services.items():
        if not (isinstance(name, str) and SERVICE_NAME.fullmatch(name)):
            raise _Bad("services", "has a name that is no service name (lowercase letters, digits, -)")
        field = f"services.{name}"
        if not isinstance(entry, dict):
            raise _Bad(field, f"must be a table of {', '.join(SERVICE_KEYS)}")
        _keys(entry, field + ".", SERVICE_KEYS)
        _pin(entry, field)
        ins = _table(entry, f"{field}.inputs", SERVICE_INPUTS)
        for key in SERVICE_INPUTS:
            _need(ins, f"{field}.inputs.{key}", is_sealed, "must be a sealed hash (pbkdf2:<64 hex>)")
        if entry["fingerprint"] is not None:
            _fingerprint(entry["fingerprint"], f"{field}.fingerprint")


def _fingerprint(fp: Any, field: str) -> None:
    """Loosely: the fields devparity reads have their types; the rest is data."""
    if not isinstance(fp, dict):
        raise _Bad(field, "must be an object or null")
    _need(fp, f"{field}.schema", lambda v: type(v) is int, "must be an integer")
    fp_base = _table(fp, f"{field}.base", ("ref", "digest"))
    _need(fp_base, f"{field}.base.ref", is_reference, "must be an image reference")
    _need(fp_base, f"{field}.base.digest", is_digest, "must be a sha256 digest")
    for key, ok, what in (
        ("os", _all(lambda v: v is None or _is_str(v)), "strings or null"),
        ("runtimes", _all(_is_str), "strings"),
        ("packages", _all(lambda v: isinstance(v, dict) and _all(_is_str)(v)), "tables of strings"),
        ("config", _all(lambda _v: True), "values"),
    ):
        if fp.get(key) is not None and not ok(fp[key]):
            raise _Bad(f"{field}.{key}", f"must be a table of {what}")


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _all(ok: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A table whose every value is ``ok``."""
    return lambda v: isinstance(v, dict) and all(ok(x) for x in v.values())


def _keys(table: Mapping[str, Any], prefix: str, expected: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    for key in expected:
        if key not in table:
            raise _Bad(prefix + key, "is missing")
    for key in table:
        if key not in expected and key not in optional:
            raise _Bad(prefix + (key if _text(key) else "?"), "is not a lock field")


def _table(parent: Mapping[str, Any], field: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    value = parent.get(field.rsplit(".", 1)[-1])
    if not isinstance(value, dict):
        raise _Bad(field, f"must be a table of {', '.join(keys)}")
    _keys(value, field + ".", keys, optional)
    return value


def _need(table: Mapping[str, Any], field: str, ok: Callable[[Any], bool], what: str) -> None:
    key = field.rsplit(".", 1)[-1]
    if key not in table:
        raise _Bad(field, "is missing")
    if not ok(table[key]):
        raise _Bad(field, what)


def _match(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None


def _optional(ok: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or ok(v)


def _text(v: Any) -> bool:
    return isinstance(v, str) and _TEXT_RE.fullmatch(v) is not None


def _file_table(v: Any) -> bool:
    return isinstance(v, dict) and all(_text(k) and is_digest(d) for k, d in v.items())
