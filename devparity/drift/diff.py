"""Semantic diff of two fingerprints (pure).

``diff(a, b)`` lists what changed from ``a`` to ``b`` as ``Change`` records,
sorted deterministically; ``changes_to_json`` and ``render_text`` present
them. Env values are masked again on the way in (masking is idempotent), so a
hand-edited snapshot cannot leak a secret through a report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from devparity import secrets
from devparity.secrets import mask_command, mask_env
from devparity.ui import escape_controls

CHANGES_SCHEMA = 1
Kind = Literal["added", "removed", "changed"]
# Report order: what users act on first.
CATEGORIES = ("base", "os", "runtime", "package", "config", "env", "changes", "hidden", "service")
_ORDER = {c: i for i, c in enumerate(CATEGORIES)}
_SIGN = {"added": "+", "removed": "-", "changed": "~"}
_CONFIG_KEYS = ("user", "workdir", "entrypoint", "cmd", "exposed_ports")


@dataclass(frozen=True)
class Change:
    """One difference; ``a``/``b`` are the values on each side (None when absent)."""

    category: str
    name: str
    kind: Kind
    a: Any = None
    b: Any = None
    ecosystem: str | None = None

    def sort_key(self) -> tuple[int, str, str, str]:
        return (_ORDER.get(self.category, len(_ORDER)), self.ecosystem or "", self.name, self.kind)


def _mapping(category: str, a: Mapping[str, Any], b: Mapping[str, Any], ecosystem: str | None = None) -> list[Change]:
    """Changes between two flat mappings, by set operations on their keys."""
    ka, kb = a.keys(), b.keys()
    out = [Change(category, k, "removed", a[k], None, ecosystem) for k in ka - kb]
    out += [Change(category, k, "added", None, b[k], ecosystem) for k in kb - ka]
    out += [Change(category, k, "changed", a[k], b[k], ecosystem) for k in ka & kb if a[k] != b[k]]
    return out


def _section(fp: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = fp.get(key)
    return value if isinstance(value, Mapping) else {}


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """Everything that differs from fingerprint ``a`` to fingerprint ``b``, sorted."""
    changes: list[Change] = []
    changes += _mapping("base", _section(a, "base"), _section(b, "base"))
    changes += _mapping("os", _section(a, "os"), _section(b, "os"))
    changes += _mapping("runtime", _section(a, "runtimes"), _section(b, "runtimes"))
    pa, pb = _section(a, "packages"), _section(b, "packages")
    for eco in pa.keys() | pb.keys():
        changes += _mapping("package", pa.get(eco) or {}, pb.get(eco) or {}, eco)
    ca, cb = _section(a, "config"), _section(b, "config")
    changes += _mapping("config", _config(ca), _config(cb))
    changes += _mapping("env", mask_env(_section(ca, "env")), mask_env(_section(cb, "env")))
    changes += _mapping("changes", _changes_by_path(a), _changes_by_path(b))
    changes += _mapping("hidden", _as_set(a.get("hidden_paths")), _as_set(b.get("hidden_paths")))
    changes += _services(_section(a, "services"), _section(b, "services"))
    return sorted(changes, key=Change.sort_key)


# What names a machine's copy of a service fingerprint, not its content.
_SERVICE_VOLATILE = ("image_id", "ref", "kind", "base")


def _services(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """A snapshot's ``services`` (issue 8: NAME -> {image_id, fingerprint}):
    a service on one side only, another image id where both sides know it,
    and each difference of their fingerprints, named ``<service> <category>
    <name>``."""
    out = [Change("service", n, "removed", a[n].get("image_id") if isinstance(a[n], Mapping) else None) for n in a.keys() - b.keys()]
    out += [Change("service", n, "added", None, b[n].get("image_id") if isinstance(b[n], Mapping) else None) for n in b.keys() - a.keys()]
    for name in a.keys() & b.keys():
        sa, sb = a[name], b[name]
        if not (isinstance(sa, Mapping) and isinstance(sb, Mapping)):
            continue
        ia, ib = sa.get("image_id"), sb.get("image_id")
        if ia and ib and ia != ib:
            out.append(Change("service", f"{name} image", "changed", ia, ib))
        fa, fb = (
            {k: v for k, v in (s.get("fingerprint") or {}).items() if k not in _SERVICE_VOLATILE} for s in (sa, sb)
        )
        out += [
            Change("service", f"{name} {c.category} {c.name}", c.kind, c.a, c.b, c.ecosystem)
            for c in diff(fa, fb)
        ]
    return out


def _config(c: Mapping[str, Any]) -> dict[str, Any]:
    """The compared config keys, command arguments masked again (idempotent)."""
    out = {k: c[k] for k in _CONFIG_KEYS if k in c}
    for key in ("cmd", "entrypoint"):
        if key in out:
            out[key] = mask_command(out[key])
    return out


def _changes_by_path(fp: Mapping[str, Any]) -> dict[str, str]:
    return {c["path"]: c["kind"] for c in fp.get("changes") or []}


def _as_set(paths: Iterable[str] | None) -> dict[str, str]:
    return {p: "hidden" for p in paths or []}


def changes_to_json(changes: Iterable[Change]) -> dict[str, Any]:
    """A versioned, JSON-ready document; every change has every key."""
    items = []
    for c in changes:
        d = {k: secrets.mask_text(v) if isinstance(v, str) else v for k, v in asdict(c).items()}
        items.append({k: d[k] for k in ("category", "ecosystem", "name", "kind", "a", "b")})
    return {"schema": CHANGES_SCHEMA, "changes": items}


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value, sort_keys=True)


def _line(c: Change) -> str:
    label = c.ecosystem if c.category == "package" and c.ecosystem else c.category
    if c.category in ("changes", "hidden"):
        # a/b there are A/C/D kinds or "hidden", not values worth an arrow
        side = c.b if c.kind == "added" else c.a
        detail = f"{c.a}->{c.b}" if c.kind == "changed" else side
        return f"{_SIGN[c.kind]} {label} {c.name} ({detail})"
    if c.kind == "changed":
        return f"~ {label} {c.name} {_fmt(c.a)} -> {_fmt(c.b)}"
    return f"{_SIGN[c.kind]} {label} {c.name} {_fmt(c.b if c.kind == 'added' else c.a)}"


def render_text(changes: Iterable[Change], a_label: str, b_label: str) -> str:
    """Plain text, one line per change (``+ <ecosystem> <name> <version>``), with a header."""
    items = list(changes)
    if not items:
        return escape_controls(f"no drift: {a_label} and {b_label} match") + "\n"
    header = f"{len(items)} difference{'s' if len(items) != 1 else ''} from {a_label} to {b_label}:"
    # paths and names come from the images: no secret shape, no raw control character
    lines = [header, *(secrets.mask_text(_line(c)) for c in items)]
    return "\n".join(escape_controls(line) for line in lines) + "\n"
