"""The commands run most often (by scripts, CI, editors), parsed without
Typer (issue 10): `down` should cost little more than `docker rm -f`, and
importing Typer (with Click and Rich) costs about 50 ms of CPU, pydantic
(which Typer 0.29 builds a validator with for every option it parses that
is not a bare flag) about 70 ms more.

``FAST`` describes each command's options and their defaults; ``parse``
takes an argv made only of what the table knows (global ``--debug`` and
``-c/--config PATH`` before the command word) and anything else (help, a
typo, a value that is not a choice, an option the table leaves to Typer)
returns None, for devparity.cli to parse as before. The Typer commands of
devparity.cli call the same functions below, and tests/test_cli_fast.py
holds the table to their declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from devparity import boundary
from devparity.choices import Format, UpRole


def down(*, volumes: bool) -> int:
    from devparity.commands import lifecycle as cmd  # each command's module: only the command run needs it

    return cmd.down(boundary.project(read_lock=False), volumes=volumes)  # the lock: never read


def status(*, as_json: bool) -> int:
    from devparity.commands import status as cmd

    return cmd.status(boundary.project(read_lock=False), as_json=as_json)


def check(*, fmt: Format, offline: bool, strict: bool, target: list[str] | None) -> int:
    from devparity.commands import check as cmd

    return cmd.check(boundary.project(), fmt=fmt.value, offline=offline, strict=strict, targets=target or None)


def up(*, role: UpRole, detach: bool, wait: bool, wait_timeout: float, quiet: bool) -> int:
    from devparity import ui
    from devparity.commands import up as cmd

    ui.set_quiet(quiet)  # the boundary sets it back
    return cmd.up(boundary.project(), role=role.value, detach=detach, wait=wait, wait_timeout=wait_timeout)


def build(*, force: bool, quiet: bool) -> int:
    from devparity.commands import build as cmd

    return cmd.build(boundary.project(), force=force, quiet=quiet)


# NamedTuples, not dataclasses: a class of either is made at import, and a
# dataclass costs several times more (this module's import is start-up).
class Option(NamedTuple):
    names: tuple[str, ...]  # as typed: "--quiet", "-q"; () for the positional argument
    param: str  # the command's keyword
    default: Any  # its value when the option is not given (Typer's declared default)
    choices: type[Enum] | None = None  # None: a flag, True when given
    parsed: bool = True  # False: argv that names it goes to Typer (the repeatable --target)


class Command(NamedTuple):
    run: Callable[..., int]
    options: tuple[Option, ...]  # the positional argument, if any, is the one without names


FAST: dict[str, Command] = {
    "down": Command(down, (Option(("--volumes",), "volumes", False),)),
    "status": Command(status, (Option(("--json",), "as_json", False),)),
    "check": Command(
        check,
        (
            Option(("--format",), "fmt", Format.text, Format),
            Option(("--offline",), "offline", False),
            Option(("--strict",), "strict", False),
            Option(("--target",), "target", None, parsed=False),
        ),
    ),
    "build": Command(build, (Option(("--force",), "force", False), Option(("--quiet", "-q"), "quiet", False))),
    # up's start-up counts: `up --detach --wait` should return within 0.7 s (issue 11)
    "up": Command(
        up,
        (
            Option((), "role", UpRole.dev, UpRole),
            Option(("--detach", "-d"), "detach", False),
            Option(("--wait",), "wait", False),
            Option(("--wait-timeout",), "wait_timeout", 60.0, parsed=False),  # a number with a minimum: Typer's
            Option(("--quiet", "-q"), "quiet", False),
        ),
    ),
}


class Invocation(NamedTuple):
    """A fast command with its arguments, as Typer would have passed them."""

    word: str
    kwargs: dict[str, Any]
    debug: bool = False
    config: Path | None = None

    def run(self) -> int:
        """The command's exit code (through the one error boundary)."""
        boundary.set_options(debug=self.debug, config=self.config)
        return boundary.run(lambda: FAST[self.word].run(**self.kwargs))


def _value(text: str) -> bool:
    """Whether ``text`` is plainly an option's value (Click would also take
    ``--config --debug``; the fast path leaves such argv to it)."""
    return bool(text) and not text.startswith("-")


def parse(argv: list[str], environ: Mapping[str, str]) -> Invocation | None:
    """The fast command ``argv`` asks for, or None for Typer to parse."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in environ):
        return None  # a shell asking for completions: Click's business
    debug, config, i = False, None, 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        if arg == "--debug":
            debug = True
        elif arg in ("-c", "--config") and i + 1 < len(argv) and _value(argv[i + 1]):
            config, i = argv[i + 1], i + 1
        elif arg.startswith("--config=") and _value(arg[len("--config=") :]):
            config = arg[len("--config=") :]
        else:
            return None
        i += 1
    if i >= len(argv) or argv[i] not in FAST:
        return None
    word, rest = argv[i], argv[i + 1 :]
    kwargs = _options(FAST[word], rest)
    if kwargs is None:
        return None
    return Invocation(word, kwargs, debug=debug, config=Path(config) if config else None)


def _options(command: Command, rest: list[str]) -> dict[str, Any] | None:
    """The keyword arguments ``rest`` gives ``command`` (defaults for the
    options it does not name), or None when Typer must parse it."""
    by_name = {n: o for o in command.options if o.parsed for n in o.names}
    positional = next((o for o in command.options if not o.names), None)
    given: dict[str, Any] = {}
    while rest:
        if positional is not None and positional.param not in given and _value(rest[0]):
            if positional.choices is None or rest[0] not in {c.value for c in positional.choices}:
                return None
            given[positional.param], rest = positional.choices(rest[0]), rest[1:]
            continue
        name, eq, inline = rest[0].partition("=")
        option = by_name.get(name)
        if option is None or option.param in given:
            return None
        if option.choices is None:
            if eq:
                return None
            given[option.param], rest = True, rest[1:]
            continue
        if eq:
            value, rest = inline, rest[1:]
        elif len(rest) > 1:
            value, rest = rest[1], rest[2:]
        else:
            return None
        if value not in {c.value for c in option.choices}:
            return None
        given[option.param] = option.choices(value)
    return {o.param: given.get(o.param, o.default) for o in command.options}
