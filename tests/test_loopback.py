"""The loopback trap's pure half (devparity.loopback): /proc/net/tcp{,6}
parsing, the trap decision and the fix by framework."""

from __future__ import annotations

import sys

import pytest

from devparity import loopback

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
HEADER6 = "  sl  local_address                         remote_address                        st ...\n"


def row(addr: str, port: int, state: str = "0A") -> str:
    return f"   0: {addr}:{port:04X} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000 10001 0 1 1\n"


pytestmark = pytest.mark.skipif(sys.byteorder != "little", reason="the fixtures are little-endian /proc text")

LOOP4 = "0100007F"
ANY4 = "00000000"
LOOP6 = "00000000000000000000000001000000"
ANY6 = "00000000000000000000000000000000"
MAPPED_LOOP6 = "0000000000000000FFFF00000100007F"


def test_parses_v4_and_v6_listeners_and_skips_other_states() -> None:
    text = HEADER + row(LOOP4, 8000) + row(ANY4, 9000) + row(ANY4, 7000, "01") + HEADER6 + row(LOOP6, 5173) + row(ANY6, 3000)
    found = loopback.listeners(text)
    assert [(x.address, x.port, x.loopback) for x in found] == [
        ("127.0.0.1", 8000, True), ("0.0.0.0", 9000, False), ("::1", 5173, True), ("::", 3000, False),
    ]


def test_an_ipv4_mapped_loopback_counts_as_loopback() -> None:
    (found,) = loopback.listeners(HEADER6 + row(MAPPED_LOOP6, 8000))
    assert found.loopback and found.port == 8000


def test_trapped_only_when_every_listener_on_the_port_is_loopback() -> None:
    only_loop = loopback.listeners(HEADER + row(LOOP4, 8000))
    both = loopback.listeners(HEADER + row(LOOP4, 8000) + row(ANY6, 8000))
    assert loopback.trapped(only_loop, 8000) is not None and not loopback.reachable(only_loop, 8000)
    assert loopback.trapped(both, 8000) is None and loopback.reachable(both, 8000)
    assert loopback.trapped(only_loop, 9000) is None  # nothing listens there yet: no trap


def test_garbage_lines_are_skipped() -> None:
    assert loopback.listeners("nonsense\n   0: ZZ:QQ 0 0A\n") == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["flask", "run"], "flask run --host 0.0.0.0 --port 8000"),
        (["python", "-m", "flask", "--app", "app", "run"], "flask run --host 0.0.0.0"),
        (["sh", "-c", "flask run --debug"], "flask run --host 0.0.0.0"),
        (["uvicorn", "main:app"], "--host 0.0.0.0"),
        (["gunicorn", "app:app"], "--bind 0.0.0.0:8000"),
        (["python", "manage.py", "runserver"], "runserver 0.0.0.0:8000"),
        (["bin/rails", "server"], "-b 0.0.0.0"),
        (["npx", "vite"], "server.host"),
        (["node", "server.js"], "listen(8000, '0.0.0.0')"),
        (["python", "app.py"], "bind the server to 0.0.0.0"),
    ],
)
def test_the_fix_is_named_by_framework(command: list[str], expected: str) -> None:
    assert expected in loopback.hint(command, 8000)


def test_the_warning_names_the_port_and_the_published_url() -> None:
    (found,) = loopback.listeners(HEADER6 + row(LOOP6, 5173))
    line = loopback.warning("dev", found, "http://127.0.0.1:15173", ["npx", "vite"])
    assert line.startswith("dev listens on [::1]:5173 inside its container")
    assert "http://127.0.0.1:15173" in line and "--host 0.0.0.0" in line
