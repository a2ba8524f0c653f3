"""devparity.ui's colour decision (issue 11 point 8): NO_COLOR and a stream
that is not a terminal give plain text; a terminal gets colour."""

from __future__ import annotations

import io

import pytest

from devparity import ui


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert ui.style("x", "red", Tty()) == "\033[31mx\033[0m"


def test_no_color_gives_plain_text_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert ui.style("x", "red", Tty()) == "x"


def test_a_pipe_or_file_gets_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert ui.style("x", "red", io.StringIO()) == "x"


def test_warnings_to_a_non_tty_stderr_carry_no_escape(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    ui.warn("careful")
    ui.ok("done")
    err = capsys.readouterr().err
    assert "\033[" not in err and "warning: careful" in err and "done" in err
