"""Go's embedded build information, read from a binary's bytes (no exec).

Since Go 1.18 the linker writes a ``.go.buildinfo`` blob: a 32-byte header
(the ``\\xff Go buildinf:`` magic, pointer size, flags) and, when flag 0x2 is
set, the Go version and the module info as two varint-prefixed strings. The
module info is the text ``go version -m`` prints, between two 16-byte
sentinels. See Go's src/debug/buildinfo/buildinfo.go and
src/runtime/debug/mod.go. Older binaries (pointers instead of inline
strings) are not read: devparity's images build with Go 1.19 or later.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAGIC = b"\xff Go buildinf:"
HEADER = 32
ALIGN = 16
FLAG_INLINE = 0x2
SECTION = b".go.buildinfo"


@dataclass(frozen=True)
class Module:
    path: str
    version: str
    replace: str | None = None  # the replacement's path (a directory for a local module)


@dataclass(frozen=True)
class BuildInfo:
    go_version: str  # "1.19.8"
    path: str = ""  # the main package
    main: Module | None = None
    deps: tuple[Module, ...] = field(default=())
    settings: dict[str, str] = field(default_factory=dict)

    def modules(self) -> dict[str, str]:
        """Dependency module path -> version; a module replaced by a local
        directory reads ``v0.1.0 => ./lib`` so a change of either shows."""
        out = {}
        for m in self.deps:
            out[m.path] = f"{m.version} => {m.replace}" if m.replace else m.version
        return out


def parse(data: bytes) -> BuildInfo | None:
    """The build info of a Go executable, or None when ``data`` is not one
    (or was built before Go 1.18)."""
    section = _elf_section(data)
    for start in _candidates(section if section is not None else data):
        info = _parse_at(section if section is not None else data, start)
        if info is not None:
            return info
    return None


def _candidates(data: bytes) -> list[int]:
    # The header is 16-byte aligned within its section; a stray copy of the
    # magic (in a binary that imports debug/buildinfo) usually is not.
    out, i = [], data.find(MAGIC)
    while i >= 0:
        out.append(i)
        i = data.find(MAGIC, i + 1)
    return sorted(out, key=lambda i: i % ALIGN != 0)


def _parse_at(data: bytes, start: int) -> BuildInfo | None:
    if len(data) - start < HEADER or not data[start + 15] & FLAG_INLINE:
        return None
    version, pos = _varint_string(data, start + HEADER)
    if version is None or not version.startswith(b"go"):
        return None
    mod, _ = _varint_string(data, pos)
    if mod is None:
        return None
    try:
        return _parse_modinfo(version.decode()[2:], _strip_sentinels(mod).decode())
    except UnicodeDecodeError:
        return None


def _varint_string(data: bytes, pos: int) -> tuple[bytes | None, int]:
    n, shift = 0, 0
    while pos < len(data) and shift < 64:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            end = pos + n
            return (data[pos:end], end) if end <= len(data) else (None, pos)
    return None, pos


def _strip_sentinels(mod: bytes) -> bytes:
    # 16 bytes before and after the text (runtime/debug: modinfo sentinels)
    if len(mod) >= 33 and mod[-17] == ord("\n"):
        return mod[16:-16]
    return b""


def _parse_modinfo(go_version: str, text: str) -> BuildInfo:
    path, main, deps, settings = "", None, [], {}
    last: Module | None = None
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        fields = rest.split("\t")
        if word == "path":
            path = rest
        elif word in ("mod", "dep") and len(fields) >= 2:
            last = Module(fields[0], fields[1])
            if word == "mod":
                main = last
            else:
                deps.append(last)
        elif word == "=>" and last is not None and deps and deps[-1] is last:
            deps[-1] = Module(last.path, last.version, replace=fields[0])
        elif word == "build":
            key, _, value = rest.partition("=")
            settings[key] = value
    return BuildInfo(go_version, path, main, tuple(deps), settings)


def _elf_section(data: bytes) -> bytes | None:
    """The ``.go.buildinfo`` section of a 64- or 32-bit little-endian ELF
    file, or None (not ELF, no such section, truncated)."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[5] != 1:
        return None
    try:
        if data[4] == 2:  # 64-bit
            (shoff,) = struct.unpack_from("<Q", data, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
            fmt, name_at, off_at = "<IIQQQQ", 0, 4
        else:
            (shoff,) = struct.unpack_from("<I", data, 0x20)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
            fmt, name_at, off_at = "<IIIIII", 0, 4
        headers = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
        _, _, _, _, str_off, str_size = headers[shstrndx]
        names = data[str_off : str_off + str_size]
        for h in headers:
            name = names[h[name_at] : names.find(b"\0", h[name_at])]
            if name == SECTION:
                offset, size = h[off_at], h[off_at + 1]
                return data[offset : offset + size]
    except (struct.error, IndexError):
        return None
    return None
