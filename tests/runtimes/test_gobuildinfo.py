"""The Go build info parser, on a blob captured from a real Go 1.19 binary
(tests/runtimes/fixtures: a net/http app whose module example.com/greet is
replaced by the local directory ./lib) and on synthetic variations."""

from __future__ import annotations

import struct
from pathlib import Path

from devparity.runtimes import gobuildinfo
from devparity.runtimes.gobuildinfo import MAGIC, Module

FIXTURE = Path(__file__).parent / "fixtures" / "go1.19-buildinfo.bin"
START = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6"
END = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _blob(version: bytes, modinfo: bytes, flags: int = 2) -> bytes:
    header = MAGIC + bytes([8, flags]) + b"\0" * 16
    mod = START + modinfo + END if modinfo else b""
    return header + _varint(len(version)) + version + _varint(len(mod)) + mod


def test_captured_go119_binary() -> None:
    info = gobuildinfo.parse(FIXTURE.read_bytes())
    assert info is not None
    assert info.go_version == "1.19.8"
    assert info.path == "example.com/hello"
    assert info.main == Module("example.com/hello", "(devel)")
    assert info.deps == (Module("example.com/greet", "v0.1.0", replace="./lib"),)
    assert info.settings["CGO_ENABLED"] == "0"
    assert info.modules() == {"example.com/greet": "v0.1.0 => ./lib"}


def test_synthetic_module_list_and_alignment() -> None:
    modinfo = (
        b"path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
        b"dep\tgolang.org/x/text\tv0.14.0\th1:abc=\n"
        b"dep\texample.com/a\tv1.0.0\n=>\texample.com/b\tv1.1.0\th1:def=\n"
        b"build\t-compiler=gc\n"
    )
    # a stray, unaligned copy of the magic comes first (a binary importing
    # debug/buildinfo holds one); the aligned blob wins
    stray = b"x" * 3 + MAGIC + b"\x08\x02" + b"\0" * 16 + b"\x08go9.9.9\x00"
    data = stray + b"\0" * (-len(stray) % 16) + _blob(b"go1.22.1", modinfo)
    info = gobuildinfo.parse(data)
    assert info is not None and info.go_version == "1.22.1"
    assert info.modules() == {"golang.org/x/text": "v0.14.0", "example.com/a": "v1.0.0 => example.com/b"}


def test_stdlib_only_binary_has_no_deps() -> None:
    info = gobuildinfo.parse(_blob(b"go1.19.8", b"path\tcmd\nmod\tcmd\t(devel)\t\n"))
    assert info is not None and info.deps == () and info.modules() == {}


def test_not_go_or_pre_118_or_truncated() -> None:
    assert gobuildinfo.parse(b"") is None
    assert gobuildinfo.parse(b"\x7fELF" + b"\0" * 100) is None
    assert gobuildinfo.parse(_blob(b"go1.17", b"", flags=0)) is None  # pointer format
    assert gobuildinfo.parse(_blob(b"go1.19", b"path\tx\n")[:-5]) is None
    assert gobuildinfo.parse(MAGIC + b"\x08\x02" + b"\0" * 16 + b"\xff" * 20) is None
    assert gobuildinfo.parse(_blob(b"\xff\xfe", b"")) is None


def test_elf_section_is_preferred() -> None:
    """A minimal ELF64 whose .go.buildinfo section holds the blob; a decoy
    aligned blob outside the section is ignored."""
    blob = _blob(b"go1.19.8", b"path\tp\nmod\tp\t(devel)\t\ndep\tm\tv1.0.0\t\n")
    decoy = _blob(b"go9.9.9", b"path\tp\n")
    names = b"\0.shstrtab\0.go.buildinfo\0"
    body = decoy + b"\0" * ((-len(decoy)) % 16)
    blob_off = 64 + len(body)
    names_off = blob_off + len(blob)
    shoff = names_off + len(names)
    sh = struct.Struct("<IIQQQQIIQQ")
    sections = sh.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    sections += sh.pack(1, 3, 0, 0, names_off, len(names), 0, 0, 1, 0)
    sections += sh.pack(11, 1, 0, 0, blob_off, len(blob), 0, 0, 16, 0)
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\0" * 24 + struct.pack("<Q", shoff)
    header += b"\0" * (0x3A - len(header)) + struct.pack("<HHH", sh.size, 3, 1)
    header += b"\0" * (64 - len(header))
    data = header + body + blob + names + sections
    info = gobuildinfo.parse(data)
    assert info is not None and info.go_version == "1.19.8" and info.modules() == {"m": "v1.0.0"}
