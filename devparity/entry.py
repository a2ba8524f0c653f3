"""The console script (``devparity``, ``python -m devparity``). The argv
of a fast command (devparity.fastpath) runs without importing Typer;
everything else goes to the Typer app in devparity.cli, unchanged: help,
shell completion, typos and usage errors, every other command."""

from __future__ import annotations

import os
import sys

from devparity import boundary, fastpath
from devparity.errors import EXIT_INTERRUPTED


def main() -> None:
    try:
        call = fastpath.parse(sys.argv[1:], os.environ)
        if call is not None:
            sys.exit(call.run())
        # Imported here, not above: Typer, Click and Rich are the start-up
        # cost the fast path exists to skip.
        from devparity import cli

        cli.app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(boundary.stdout_closed())
    except SystemExit:
        # Click (vendored in Typer) answers EPIPE while printing help or
        # --version by wrapping stdout in PacifyFlushWrapper and exiting 1:
        # report it like the rest.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            sys.exit(boundary.stdout_closed())
        raise
