"""The multiplexed stream parser behind a non-TTY `devparity exec`."""

from __future__ import annotations

from devparity.engine.containers import FrameReader


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def test_frames_split_anywhere_are_reassembled() -> None:
    wire = frame(1, b"hello\n") + frame(2, b"oops\n") + frame(1, b"x" * 70000)
    reader = FrameReader()
    got = []
    for i in range(0, len(wire), 5):  # worst case: tiny chunks that cut headers too
        got += list(reader.feed(wire[i : i + 5]))
    assert got == [(1, b"hello\n"), (2, b"oops\n"), (1, b"x" * 70000)]
    assert reader.buf == b""


def test_an_incomplete_frame_waits_for_more() -> None:
    reader = FrameReader()
    assert list(reader.feed(frame(1, b"abcdef")[:10])) == []
    assert list(reader.feed(frame(1, b"abcdef")[10:])) == [(1, b"abcdef")]
