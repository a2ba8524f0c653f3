"""The command line. The only module that imports Typer: it turns options
into keyword arguments and calls a plain function returning an exit code
through the one error boundary (devparity.boundary: one red line on
stderr, a fixed exit code). The console script is devparity.entry, which
runs the most-used commands without Typer (devparity.fastpath) and hands
every other argv to ``app`` here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from devparity import __version__, boundary, fastpath
from devparity.choices import Format, Publish, SnapshotFormat, UpRole
from devparity.entry import main  # a console script installed before devparity.entry names devparity.cli:main

__all__ = ["Format", "Publish", "SnapshotFormat", "UpRole", "app", "main"]

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
    boundary.set_options(debug=debug, config=config)


def _run(fn: Callable[[], int]) -> None:
    """Every command runs through the one error boundary (devparity.boundary)."""
    raise typer.Exit(boundary.run(fn))


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

    _run(lambda: cmd.render_cmd(boundary.project()))


@app.command()
def build(
    force: bool = typer.Option(False, "--force", help="Build even when an image with the same inputs exists."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not stream build output."),
) -> None:
    """Build the project's image (no-op when its inputs are unchanged)."""
    _run(lambda: fastpath.build(force=force, quiet=quiet))


@app.command()
def lock(
    check: bool = typer.Option(False, "--check", help="Exit 1 when an input changed since the lock or it was edited by hand (no engine)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress: only results, warnings and errors."),
) -> None:
    """Pin the base image by digest and record the environment in devparity.lock."""
    from devparity import ui
    from devparity.commands import lock as cmd

    ui.set_quiet(quiet)
    _run(lambda: cmd.check(boundary.project()) if check else cmd.write(boundary.project(strict_lock=False)))


@app.command()
def up(
    role: UpRole = typer.Argument(UpRole.dev, help="dev, prod or all."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Start and return; no watching."),
    wait: bool = typer.Option(False, "--wait", help="Return (or print \"ready\") only once every container answers on its ports."),
    wait_timeout: float = typer.Option(60.0, "--wait-timeout", min=0.1, help="Seconds --wait waits before failing (exit 3)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No build output or notes: the app's output, results, warnings and errors."),
) -> None:
    """Start the dev (or prod) container and reload on every save."""
    _run(lambda: fastpath.up(role=role, detach=detach, wait=wait, wait_timeout=wait_timeout, quiet=quiet))


@app.command()
def down(
    volumes: bool = typer.Option(False, "--volumes", help="Also remove this checkout's volumes (services' data, dev caches)."),
) -> None:
    """Remove this project's containers (including orphans of a killed session) and networks."""
    _run(lambda: fastpath.down(volumes=volumes))


@app.command()
def prune(dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed.")) -> None:
    """Remove this project's images that neither a container nor `up` needs."""
    from devparity.commands import prune as cmd

    _run(lambda: cmd.prune(boundary.project(), dry_run=dry_run))


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Role, image, ports, state and uptime of this project's containers."""
    _run(lambda: fastpath.status(as_json=as_json))


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
    from devparity.commands import attach as cmd

    _run(lambda: cmd.logs(boundary.project(strict_lock=False), role=target, follow=follow))


@app.command(name="exec", context_settings={"allow_interspersed_args": False})
def exec_(
    args: Optional[list[str]] = typer.Argument(None, help="[dev|prod|SERVICE|ROLE/NAME] [-- CMD...] (default: dev, a shell)."),
) -> None:
    """Run a command (default: a shell) in a running container."""
    from devparity.commands import attach as cmd

    def run() -> int:
        project = boundary.project(strict_lock=False)
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

    _run(lambda: cmd.snapshot(target, output=output, config_path=boundary.state.config, fmt=fmt.value, sbom_timestamp=sbom_timestamp))


@app.command()
def diff(
    a: str = typer.Argument(..., help="First environment (as for snapshot; a CycloneDX SBOM file too)."),
    b: str = typer.Argument(..., help="Second environment."),
    fmt: Format = typer.Option(Format.text, "--format", help="text or json."),
) -> None:
    """Semantic diff of two environments: exit 0 identical, 1 different."""
    from devparity.commands import drift as cmd

    _run(lambda: cmd.diff(a, b, fmt=fmt.value, config_path=boundary.state.config))


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
    _run(lambda: fastpath.check(fmt=fmt, offline=offline, strict=strict, target=target))


@app.command()
def push(
    registry: Optional[str] = typer.Option(None, "--registry", help="HOST[:PORT][/NAMESPACE] (default: [release].registry)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress: only results, warnings and errors."),
) -> None:
    """Push the locked image as REGISTRY/NAME:<inputs>-<source> and record its digest in devparity.lock."""
    from devparity import ui
    from devparity.commands import push as cmd

    ui.set_quiet(quiet)
    _run(lambda: cmd.push(boundary.project(), registry=registry))


@app.command()
def deploy(
    replicas: int = typer.Option(1, "--replicas", min=0, help="How many tasks the Swarm service runs."),
    publish: Publish = typer.Option(Publish.host, "--publish", help="host: a host port per task; ingress: [prod] ports through the routing mesh."),
) -> None:
    """Create or update the Swarm service NAME from the released image, by digest."""
    from devparity.commands import deploy as cmd

    _run(lambda: cmd.deploy_cmd(boundary.project(), replicas=replicas, publish=publish.value))


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

    _run(lambda: cmd.devcontainer(boundary.project(), output=output, force=force))


@export_app.command("compose")
def export_compose(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (default: compose.yaml in the project)."),
    force: bool = typer.Option(False, "--force", help="Replace a file devparity did not write."),
) -> None:
    """A compose.yaml: dev and prod profiles, services, the locked images, ports on 127.0.0.1."""
    from devparity.commands import export as cmd

    _run(lambda: cmd.compose(boundary.project(), output=output, force=force))


@export_app.command("k8s")
def export_k8s(
    replicas: int = typer.Option(1, "--replicas", min=0, help="The Deployment's replicas."),
) -> None:
    """Print a Kubernetes Deployment and Service of the released image (by digest)."""
    from devparity.commands import export as cmd

    _run(lambda: cmd.k8s(boundary.project(), replicas=replicas))
