"""ssh's stdout as http.client reads it (devparity/engine/ssh.py): the pipe
is unbuffered, so a read of n bytes must wait for all n (or EOF), as a
buffered file's does: a short read is http.client's IncompleteRead. The
SDK's exec stream reads the same pipe as ``channel``; close() leaves it open."""

from __future__ import annotations

import os
import threading
import time

from devparity.engine.ssh import _KeepOpen


def _pipe() -> tuple[_KeepOpen, int]:
    r, w = os.pipe()
    return _KeepOpen(os.fdopen(r, "rb", buffering=0)), w


def _later(fd: int, data: bytes, close: bool = False) -> None:
    def run() -> None:
        time.sleep(0.05)
        os.write(fd, data)
        if close:
            os.close(fd)

    threading.Thread(target=run, daemon=True).start()


def test_read_and_readinto_wait_for_every_byte_asked() -> None:
    f, w = _pipe()
    os.write(w, b"HTTP/1.1 200 OK\r\nabc")
    _later(w, b"def")
    assert f.readline() == b"HTTP/1.1 200 OK\r\n"
    assert f.read(6) == b"abcdef"
    os.write(w, b"12")
    _later(w, b"34", close=True)
    buf = bytearray(6)
    assert f.readinto(buf) == 4 and bytes(buf[:4]) == b"1234"  # EOF ends it short
    f.raw.close()


def test_close_leaves_the_pipe_open_and_channel_is_the_pipe() -> None:
    f, w = _pipe()
    f.close()
    assert f.closed
    os.write(w, b"xy")
    assert f.channel.read(1) == b"x"  # the SDK's exec stream reads the pipe itself
    assert f.read1(10) == b"y"  # one read, whatever is there
    os.close(w)
    assert f.read() == b""
    f.raw.close()
