"""The command line. The only module that imports Typer: it turns options
into keyword arguments, calls a plain function returning an exit code, and
is the single error boundary (one red line on stderr, a fixed exit code)."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from devparity import __version__
from devparity.errors import EXIT_ENGINE, EXIT_INTERRUPTED, BuildFailed, DevparityError, NotReady, ServiceNotReady

# What a shell reports for a process SIGPIPE ended (128 + 13).
EXIT_BROKEN_PIPE = 141

# Help lists a flag as `--debug`, the way well-kept CLIs do; the rich help
# of Typer 0.24+ prints a `<bool>` value column for it, as if it took one
# (older Typer, on older Pythons, prints none and has no such method).
_display_type_rich = getattr(typer.core.TyperOption, "display_type_rich", None)


def _flag_without_type(self: typer.core.TyperOption, ctx: Any) -> str | None:
    assert _display_type_rich is not None
    return None if self.is_flag else _display_type_rich(self, ctx)


if _display_type_rich is not None:
    typer.core.TyperOption.display_type_rich = _flag_without_type  # type: ignore[method-assign]

app = typer.Typer(
    name="devparity",
    help="Pin a project's runtime into one image, run identical dev and prod containers from it, and flag drift.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion [bash|zsh|fish|powershell]
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

@dataclass
class _Options:
    debug: bool = False
    config: Path | None = None


_state = _Options()


class Role(str, Enum):
    dev = "dev"
    prod = "prod"


class UpRole(str, Enum):
    dev = "dev"
    prod = "prod"
    all = "all"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class SnapshotFormat(str, Enum):
    json = "json"
    cyclonedx = "cyclonedx"


class Publish(str, Enum):
    host = "host"
    ingress = "ingress"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devparity {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="Path to devparity.toml (default: found from the current directory up)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    _state.debug = debug or bool(os.environ.get("DEVPARITY_DEBUG"))
    _state.config = config


def _run(fn: Callable[[], int]) -> None:
    """The error boundary: every command runs through here."""
    from devparity import ui

    try:
        code = fn()
    except (BuildFailed, NotReady, ServiceNotReady) as exc:  # the log's tail first, then the one error line
        if _state.debug:
            raise
        ui.set_quiet(False)  # --quiet hid the progress, not the cause of a failure
        for line in exc.log_tail:
            ui.progress(line)
        ui.error(_one_line(str(exc)))
        code = exc.exit_code
    except DevparityError as exc:
        if _state.debug:
            raise
        ui.error(_one_line(str(exc)))
        code = exc.exit_code
    except KeyboardInterrupt:
        ui.error("interrupted")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # `devparity render | head -1`: the reader has all it wanted
        code = _stdout_closed()
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: still one line, with a way to see more
        if _state.debug:
            raise
        ui.error(_one_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for a traceback)"))
        code = EXIT_ENGINE
    finally:
        ui.set_quiet(False)  # one invocation's --quiet (in-process runs share the module)
    raise typer.Exit(code)


def _one_line(message: str) -> str:
    """An error is one line: a control character that slipped into it (a
    project path holding a newline) is shown escaped, never obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def _stdout_closed() -> int:
    """A closed stdout ends the command quietly, as SIGPIPE ends `cat`: point
    stdout at /dev/null so the interpreter's last flush has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def _project(*, strict_lock: bool = True):  # type: ignore[no-untyped-def]
    from devparity import project

    return project.load(config_path=_state.config, strict_lock=strict_lock)


@app.command()
def init(
    language: Optional[str] = typer.Option(None, "--language", help="The runtime (default: detected from the project's files)."),
    version: Optional[str] = typer.Option(None, "--version", help="Runtime version; settles disagreeing sources."),
    port: Optional[int] = typer.Option(None, "--port", help="The port the app listens on."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing devparity.toml."),
    directory: Path = typer.Option(Path("."), "--dir", help="The project directory."),
) -> None:
    """Write devparity.toml (and .dockerignore) from the project's own files."""
    from devparity.commands import init as cmd

    _run(lambda: cmd.init(directory.resolve(), language=language, version=version, port=port, force=force))


@app.command()
def render() -> None:
    """Print the Dockerfile that `build` would use."""
    from devparity.commands import build as cmd

    _run(lambda: cmd.render_cmd(_project()))


@app.command()
def build(
    force: bool = typer.Option(False, "--force", help="Build even when an image with the same inputs exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not stream build output."),
) -> None:
    """Build the project's image (no-op when its inputs are unchanged)."""
    from devparity.commands import build as cmd

    _run(lambda: cmd.build(_project(), force=force, quiet=quiet))


@app.command()
def lock(
    check: bool = typer.Option(False, "--check", help="Exit 1 when an input changed since the lock or it was edited by hand (no engine)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress: only results, warnings and errors."),
) -> None:
    """Pin the base image by digest and record the environment in devparity.lock."""
    from devparity import ui
    from devparity.commands import lock as cmd

    ui.set_quiet(quiet)
    _run(lambda: cmd.check(_project()) if check else cmd.write(_project(strict_lock=False)))


@app.command()
def up(
    role: UpRole = typer.Argument(UpRole.dev, help="dev, prod or all."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Start and return; no watching."),
    wait: bool = typer.Option(False, "--wait", help="Return (or print \"ready\") only once every container answers on its ports."),
    wait_timeout: float = typer.Option(60.0, "--wait-timeout", min=0.1, help="Seconds --wait waits before failing (exit 3)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No build output or notes: the app's output, results, warnings and errors."),
) -> None:
    """Start the dev (or prod) container and reload on every save."""
    from devparity import ui
    from devparity.commands import up as cmd

    ui.set_quiet(quiet)
    _run(lambda: cmd.up(_project(), role=role.value, detach=detach, wait=wait, wait_timeout=wait_timeout))


@app.command()
def down(
    volumes: bool = typer.Option(False, "--volumes", help="Also remove this checkout's volumes (services' data, dev caches)."),
) -> None:
    """Remove this project's containers (including orphans of a killed session) and networks."""
    from devparity.commands import lifecycle as cmd

    _run(lambda: cmd.down(_project(strict_lock=False), volumes=volumes))


@app.command()
def prune(dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed.")) -> None:
    """Remove this project's images that neither a container nor `up` needs."""
    from devparity.commands import prune as cmd

    _run(lambda: cmd.prune(_project(), dry_run=dry_run))


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Role, image, ports, state and uptime of this project's containers."""
    from devparity.commands import lifecycle as cmd

    _run(lambda: cmd.status(_project(strict_lock=False), as_json=as_json))


@app.command()
def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Can this machine run devparity? Engine, storage, bind mounts, inotify, ports, registries, clock, host runtime."""
    from devparity.commands import doctor as cmd

    _run(lambda: cmd.run(cmd.find_project(Path.cwd()), as_json=as_json))


@app.command()
def logs(
    target: str = typer.Argument("dev", help="dev, prod, a service or process (db), or ROLE/NAME (prod/db)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep streaming."),
) -> None:
    """Show a container's logs."""
    from devparity.commands import lifecycle as cmd

    _run(lambda: cmd.logs(_project(strict_lock=False), role=target, follow=follow))


@app.command(name="exec", context_settings={"allow_interspersed_args": False})
def exec_(
    args: Optional[list[str]] = typer.Argument(None, help="[dev|prod|SERVICE|ROLE/NAME] [-- CMD...] (default: dev, a shell)."),
) -> None:
    """Run a command (default: a shell) in a running container."""
    from devparity.commands import lifecycle as cmd

    def run() -> int:
        project = _project(strict_lock=False)
        target, argv = cmd.split_target(list(args or []), project.config)
        return cmd.exec_(project, role=target, command=argv)

    _run(run)


@app.command()
def snapshot(
    target: str = typer.Argument(..., help="dev, prod, lock, a service or process (db, prod/db), an image reference, or a snapshot file."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the snapshot here (default: stdout)."),
    fmt: SnapshotFormat = typer.Option(
        SnapshotFormat.json, "--format", help="json (a devparity fingerprint) or cyclonedx (a CycloneDX 1.6 SBOM)."
    ),
    sbom_timestamp: bool = typer.Option(
        False, "--sbom-timestamp", help="Stamp the SBOM with the time and a random serial number (not reproducible)."
    ),
) -> None:
    """Fingerprint an environment as versioned JSON, or as an SBOM."""
    from devparity.commands import drift as cmd

    _run(lambda: cmd.snapshot(target, output=output, config_path=_state.config, fmt=fmt.value, sbom_timestamp=sbom_timestamp))


@app.command()
def diff(
    a: str = typer.Argument(..., help="First environment (as for snapshot; a CycloneDX SBOM file too)."),
    b: str = typer.Argument(..., help="Second environment."),
    fmt: Format = typer.Option(Format.text, "--format", help="text or json."),
) -> None:
    """Semantic diff of two environments: exit 0 identical, 1 different."""
    from devparity.commands import drift as cmd

    _run(lambda: cmd.diff(a, b, fmt=fmt.value, config_path=_state.config))


@app.command()
def check(
    fmt: Format = typer.Option(Format.text, "--format", help="text, json, junit or github."),
    offline: bool = typer.Option(False, "--offline", help="Skip the registry (base drift)."),
    strict: bool = typer.Option(False, "--strict", help="Warnings (host vs pin) fail too."),
    target: Optional[list[str]] = typer.Option(
        None, "--target", help="Also check where prod runs: docker://ENGINE or swarm://SERVICE[@ENGINE] (repeatable; default: [check].targets)."
    ),
) -> None:
    """The CI gate: is every environment still the one the team locked?"""
    from devparity.commands import check as cmd

    _run(lambda: cmd.check(_project(), fmt=fmt.value, offline=offline, strict=strict, targets=target or None))


@app.command()
def push(
    registry: Optional[str] = typer.Option(None, "--registry", help="HOST[:PORT][/NAMESPACE] (default: [release].registry)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress: only results, warnings and errors."),
) -> None:
    """Push the locked image as REGISTRY/NAME:<inputs>-<source> and record its digest in devparity.lock."""
    from devparity import ui
    from devparity.commands import push as cmd

    ui.set_quiet(quiet)
    _run(lambda: cmd.push(_project(), registry=registry))


@app.command()
def deploy(
    replicas: int = typer.Option(1, "--replicas", min=0, help="How many tasks the Swarm service runs."),
    publish: Publish = typer.Option(Publish.host, "--publish", help="host: a host port per task; ingress: [prod] ports through the routing mesh."),
) -> None:
    """Create or update the Swarm service NAME from the released image, by digest."""
    from devparity.commands import deploy as cmd

    _run(lambda: cmd.deploy_cmd(_project(), replicas=replicas, publish=publish.value))


# `devparity export FORMAT`: one group, one subcommand per format (issue 9's
# k8s, issue 11's devcontainer and compose; devparity/commands/export.py).
export_app = typer.Typer(
    name="export",
    help="Write the pinned environment in another tool's format (Dev Containers, Compose, Kubernetes).",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@export_app.command("devcontainer")
def export_devcontainer(
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write here (default: .devcontainer/devcontainer.json in the project)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace a file devparity did not write."),
) -> None:
    """A devcontainer.json that opens the locked image as `up` runs dev."""
    from devparity.commands import export as cmd

    _run(lambda: cmd.devcontainer(_project(), output=output, force=force))


@export_app.command("compose")
def export_compose(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (default: compose.yaml in the project)."),
    force: bool = typer.Option(False, "--force", help="Replace a file devparity did not write."),
) -> None:
    """A compose.yaml: dev and prod profiles, services, the locked images, ports on 127.0.0.1."""
    from devparity.commands import export as cmd

    _run(lambda: cmd.compose(_project(), output=output, force=force))


@export_app.command("k8s")
def export_k8s(
    replicas: int = typer.Option(1, "--replicas", min=0, help="The Deployment's replicas."),
) -> None:
    """Print a Kubernetes Deployment and Service of the released image (by digest)."""
    from devparity.commands import export as cmd

    _run(lambda: cmd.k8s(_project(), replicas=replicas))


# The commands run most often (by scripts, CI, editors) skip Typer's parsing
# when their argv is only flags and choices this table knows: Typer 0.29
# builds a pydantic validator for every option it parses that is not a bare
# flag, and importing pydantic is ~70 ms of a `down` that should cost little
# more than `docker rm -f` (issue 10). The same command functions run, with
# the same keyword arguments; anything else (help, a typo, a value that is
# not a choice, an option this table does not list) goes to Typer as before.
# tests/test_cli_fast.py holds the table to the Typer declarations.
_FAST: dict[str, tuple[Callable[..., None], dict[str, tuple[str, type[Enum] | None]]]] = {
    "down": (down, {"--volumes": ("volumes", None)}),
    "check": (check, {"--format": ("fmt", Format), "--offline": ("offline", None), "--strict": ("strict", None)}),
    "status": (status, {"--json": ("as_json", None)}),
    "build": (build, {"--force": ("force", None), "--quiet": ("quiet", None), "-q": ("quiet", None)}),
}


def _value(text: str) -> bool:
    """Whether ``text`` is plainly an option's value (Click would also take
    ``--config --debug``; the fast path leaves such argv to it)."""
    return bool(text) and not text.startswith("-")


def _fast(argv: list[str]) -> Callable[[], None] | None:
    """The command ``argv`` asks for, bound to its arguments, when the argv
    is one the fast path knows (``_FAST``, global ``--debug`` and
    ``-c/--config PATH`` before the command); else None."""
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return None  # a shell asking for completions: Click's business
    debug, config, i = False, None, 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        if arg == "--debug":
            debug = True
        elif arg in ("-c", "--config") and i + 1 < len(argv) and _value(argv[i + 1]):
            config, i = argv[i + 1], i + 1
        elif arg.startswith("--config=") and _value(arg.removeprefix("--config=")):
            config = arg.removeprefix("--config=")
        else:
            return None
        i += 1
    if i >= len(argv) or argv[i] not in _FAST:
        return None
    command, options = _FAST[argv[i]]
    rest = argv[i + 1 :]
    kwargs: dict[str, object] = {}
    while rest:
        name, _, inline = rest[0].partition("=")
        if name not in options or options[name][0] in kwargs:
            return None
        param, choices = options[name]
        if choices is None:
            if inline or "=" in rest[0]:
                return None
            kwargs[param], rest = True, rest[1:]
            continue
        if "=" in rest[0]:
            value, rest = inline, rest[1:]
        elif len(rest) > 1:
            value, rest = rest[1], rest[2:]
        else:
            return None
        if value not in {c.value for c in choices}:
            return None
        kwargs[param] = choices(value)

    # What Typer passes for an option not given: its declared default.
    for key, declared in inspect.signature(command).parameters.items():
        if key not in kwargs:
            default = declared.default
            kwargs[key] = default.default if isinstance(default, typer.models.ParameterInfo) else default

    def run() -> None:
        main_options(debug=debug, config=Path(config) if config else None, version=False)
        command(**kwargs)

    return run


def main() -> None:
    try:
        fast = _fast(sys.argv[1:])
        if fast is None:
            app()
        else:
            try:
                fast()
            except typer.Exit as done:  # what Typer's own run turns into the exit status
                sys.exit(done.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(_stdout_closed())
    except SystemExit:
        # Click (vendored in Typer) answers EPIPE while printing help or
        # --version by wrapping stdout in PacifyFlushWrapper and exiting 1:
        # report it like the rest.
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            sys.exit(_stdout_closed())
        raise
