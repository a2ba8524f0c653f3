"""devparity.ui's colour decision (issue 11 point 8): NO_COLOR and a stream
that is not a terminal give plain text; a terminal gets colour."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from devparity import ui
from tests.support import python_project, run_cli


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


def test_quiet_leaves_out_progress_and_notes_not_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    """`--quiet` (up, lock, push): no build lines, info or notes; a warning,
    a success and an error still show, and the next command is not quiet."""
    try:
        ui.set_quiet(True)
        ui.progress("Step 1/9 : FROM python")
        ui.info("resolving python:3.11-slim")
        ui.note("watching /app")
        ui.ok("wrote devparity.lock")
        ui.warn("port open to the network")
        ui.error("build failed")
    finally:
        ui.set_quiet(False)
    err = capsys.readouterr().err
    assert "Step 1/9" not in err and "resolving" not in err and "watching" not in err
    assert "wrote devparity.lock" in err and "port open" in err and "build failed" in err
    ui.note("loud again")
    assert "loud again" in capsys.readouterr().err


def test_quiet_flag_on_lock_hides_progress_in_process(tmp_path: Path) -> None:
    """The CLI resets --quiet after each invocation: a quiet `lock --check`
    is followed by a `lock --check` that speaks."""
    python_project(tmp_path, "quietproj")
    first = run_cli("lock", "--check", "--quiet", cwd=tmp_path)
    assert first.exit_code == 1 and "does not exist" in first.stderr  # an error still shows
    from devparity import ui as ui_module

    assert ui_module._quiet is False


class _Writes:
    """A stream that keeps each write call apart."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("emit", [ui.info, ui.note, ui.ok, ui.warn, ui.error, ui.progress])
def test_a_line_and_its_newline_are_one_write(monkeypatch: pytest.MonkeyPatch, emit: Callable[[str], None]) -> None:
    """With stderr redirected to a file (write-through, unbuffered) the app's
    output, written to stdout meanwhile, must not land inside a line."""
    err = _Writes()
    monkeypatch.setattr(sys, "stderr", err)
    emit("recreated dev")
    assert len(err.calls) == 1 and err.calls[0].endswith("recreated dev\n")


def test_out_is_one_write_to_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _Writes()
    monkeypatch.setattr(sys, "stdout", out)
    ui.out("[devparity] building")
    assert out.calls == ["[devparity] building\n"]
