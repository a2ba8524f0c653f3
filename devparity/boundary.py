"""The one error boundary every command runs through, and the global
options it reads. Typer-free: the Typer app (devparity.cli) and the fast
path (devparity.fastpath) both use it, so a command fails the same way
whichever parsed its argv."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devparity.errors import EXIT_ENGINE, EXIT_INTERRUPTED, BuildFailed, DevparityError, NotReady, ServiceNotReady

if TYPE_CHECKING:
    from devparity.project import Project

# What a shell reports for a process SIGPIPE ended (128 + 13).
EXIT_BROKEN_PIPE = 141


@dataclass
class Options:
    """The global options (``--debug``, ``-c/--config``) of this invocation."""

    debug: bool = False
    config: Path | None = None


state = Options()


def set_options(*, debug: bool, config: Path | None) -> None:
    state.debug = debug or bool(os.environ.get("DEVPARITY_DEBUG"))
    state.config = config


def run(fn: Callable[[], int]) -> int:
    """Call ``fn`` and return its exit code; a DevparityError (or a bug)
    becomes one red line on stderr and its exit code. ``--debug`` re-raises."""
    # Imported here, not above: ui masks secrets on the way out (hashlib,
    # the cache's modules), which `--help` and the Typer app's start-up,
    # importing this module too, do not need before a command runs.
    from devparity import ui

    try:
        return fn()
    except (BuildFailed, NotReady, ServiceNotReady) as exc:  # the log's tail first, then the one error line
        if state.debug:
            raise
        ui.set_quiet(False)  # --quiet hid the progress, not the cause of a failure
        for line in exc.log_tail:
            ui.progress(line)
        ui.error(one_line(str(exc)))
        return exc.exit_code
    except DevparityError as exc:
        if state.debug:
            raise
        ui.error(one_line(str(exc)))
        return exc.exit_code
    except KeyboardInterrupt:
        ui.error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `devparity render | head -1`: the reader has all it wanted
        return stdout_closed()
    except Exception as exc:  # a bug: still one line, with a way to see more
        if state.debug:
            raise
        ui.error(one_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for a traceback)"))
        return EXIT_ENGINE
    finally:
        ui.set_quiet(False)  # one invocation's --quiet (in-process runs share the module)


def one_line(message: str) -> str:
    """An error is one line: a control character that slipped into it (a
    project path holding a newline) is shown escaped, never obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def stdout_closed() -> int:
    """A closed stdout ends the command quietly, as SIGPIPE ends `cat`: point
    stdout at /dev/null so the interpreter's last flush has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def project(*, strict_lock: bool = True, read_lock: bool = True) -> Project:
    """This invocation's project (``-c/--config``, else found from the cwd);
    devparity.project.load says what the two flags do."""
    from devparity import project as project_mod  # the config's modules: only for commands that load one

    return project_mod.load(config_path=state.config, strict_lock=strict_lock, read_lock=read_lock)
