"""Exit codes and the error hierarchy.

Every error a user can cause or meet carries a finished sentence: what went
wrong, where, and what to do next. The CLI's single error boundary prints it
as one line on stderr and exits with the error's code; only ``--debug`` shows
a traceback.
"""

from __future__ import annotations

# Exit codes, fixed for every command (issue 2).
EXIT_OK = 0
EXIT_DRIFT = 1  # drift found, or a stale lock
EXIT_USAGE = 2  # usage or config error
EXIT_ENGINE = 3  # engine or build failure
EXIT_INTERRUPTED = 130
# A foreground `up prod` whose container ended on its own: the command did
# not do what it was asked, yet neither the engine nor the input is at fault.
EXIT_APP_ENDED = EXIT_DRIFT


class DevparityError(Exception):
    """Root of every error devparity reports to a user."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(DevparityError):
    """Bad command-line usage, or a state that makes the command meaningless."""


class ConfigError(DevparityError):
    """devparity.toml (or another project file) is invalid."""


class DetectionError(DevparityError):
    """The project's files do not determine a runtime, or they disagree."""


class LockError(DevparityError):
    """devparity.lock is missing, unreadable or of an unknown schema."""


class LockTampered(LockError):
    """devparity.lock is well formed but its fields disagree: edited by hand."""

    exit_code = EXIT_DRIFT


class NotReleasable(DevparityError):
    """`push` or `deploy` refused: the lock is stale, or what it would release
    or deploy is not what the lock records (exit 1, as drift)."""

    exit_code = EXIT_DRIFT


class EngineError(DevparityError):
    """The Docker engine refused or failed an operation."""

    exit_code = EXIT_ENGINE


class EngineUnavailable(EngineError):
    """No Docker engine answers at the configured address."""


class NotFound(EngineError):
    """The engine has no such object (it answered 404)."""


class ImageNotFound(NotFound):
    """An image reference does not exist locally (and could not be pulled)."""


class Conflict(EngineError):
    """The engine refused because of another object's state (it answered
    409): a name in use, an image a container still uses, a removal already
    under way."""


class PortInUse(EngineError):
    """A host port a container publishes is taken by something else."""


class ContainerNotFound(EngineError):
    """No container of this project matches."""


class RegistryError(EngineError):
    """A registry could not be asked for a digest."""


class BuildFailed(EngineError):
    """An image build failed; carries the failing step and the log's tail."""

    def __init__(self, message: str, *, step: str | None = None, log_tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.log_tail = log_tail or []


class NotReady(EngineError):
    """A container `up --wait` started did not answer in time, or stopped
    first (issue 11); carries its last log lines (masked) for the report."""

    def __init__(self, message: str, *, hint: str | None = None, log_tail: list[str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.log_tail = log_tail or []


class ServiceNotReady(EngineError):
    """A backing service (issue 8) did not become ready in time, or exited
    before it did; carries its last log lines (masked) for the report."""

    def __init__(self, message: str, *, hint: str | None = None, log_tail: list[str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.log_tail = log_tail or []
