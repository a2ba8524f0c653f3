"""For the drift integration tests (check, snapshot, diff): base images in
the local registry, a tiny package index on 127.0.0.1, and the project's
dev/prod containers.

Everything created carries the test's ``devparity.project`` label (removed by
the ``project_name`` fixture) or is removed by the fixture that made it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devparity import builder, config, engine, identity, lock, plan, roles, secrets
from tests.support.cli import cli_process, run_cli

REGISTRY = os.environ.get("DEVPARITY_REGISTRY", "127.0.0.1:5000")
SECRET = "sk-devparity-test-7f3a9c"  # must never appear in any output


_PUSHED: dict[str, set[str]] = {}  # repo -> digests pushed by these tests


def push(client: Any, source: str, ref: str) -> str:
    """Tag ``source`` as ``ref``, push it to the local registry, return the registry digest."""
    repo, tag = ref.rsplit(":", 1)
    client.api.tag(source, repo, tag)
    for chunk in client.api.push(repo, tag, stream=True, decode=True):
        assert "error" not in chunk, chunk
    digest = str(client.images.get_registry_data(ref).id)
    _PUSHED.setdefault(repo, set()).add(digest)
    return digest


def forget_repo(client: Any, repo: str) -> None:
    """Untag every local reference of ``repo`` (tags and digests) and delete
    the manifests pushed to it from the registry (when it allows deletes)."""
    for img in client.api.images():
        for ref in (img.get("RepoTags") or []) + (img.get("RepoDigests") or []):
            if ref.startswith((repo + ":", repo + "@")):
                with contextlib.suppress(Exception):
                    client.api.remove_image(ref, noprune=False)
    host, _, path = repo.partition("/")
    for digest in _PUSHED.pop(repo, set()):
        request = urllib.request.Request(f"http://{host}/v2/{path}/manifests/{digest}", method="DELETE")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=5).close()


def build_variant(client: Any, base_ref: str, project: str) -> str:
    """A tiny image FROM ``base_ref`` with an extra file, labelled for cleanup."""
    dockerfile = f"FROM {base_ref}\nRUN echo re-pushed > /re-pushed.txt\nLABEL devparity.project={project}\n"
    img, _logs = client.images.build(fileobj=io.BytesIO(dockerfile.encode()), rm=True, network_mode="host")
    return str(img.id)


@contextlib.contextmanager
def package_index(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a --find-links page); yields its URL.
    Builds run with network mode host, so RUN pip install reaches it."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def lock_project(root: Path) -> None:
    r = run_cli("lock", cwd=root)
    assert r.exit_code == 0, r.stderr


def start_dev(root: Path, role: str = "dev") -> str:
    """`devparity up <role> --detach` in ``root``; returns the dev container's name."""
    r = run_cli("up", role, "--detach", cwd=root)
    assert r.exit_code == 0, r.stderr
    return roles.name_for(config.load(root / "devparity.toml"), "dev")


def exec_dev(root: Path, *argv: str) -> None:
    """`devparity exec dev -- argv` in ``root``, as a subprocess (exec streams
    the container's raw output to the process's own stdout)."""
    r = cli_process("exec", "dev", "--", *argv, cwd=root, timeout=120, stdin=None)
    assert r.exit_code == 0, r.stdout + r.stderr


def start_prod_with_env(root: Path, client: Any, env: dict[str, str]) -> str:
    """A prod container of the project whose env differs from the image's
    (seeded drift: someone changed prod's env), labelled and stamped as
    `devparity up prod` does (a container without the created-token would be
    foreign, and check compares only this checkout's own)."""
    cfg = config.load(root / "devparity.toml")
    lk = lock.read(cfg)
    result = builder.ensure(plan.make(cfg, lk.pin_for(cfg) if lk else None), salt=secrets.salt_of(lk), with_source=True)
    spec = roles.prod_spec(cfg, result.id, inputs_hash=result.plan.inputs.hash)
    client.containers.run(
        result.id,
        name=spec.name,
        detach=True,
        init=True,
        labels=identity.stamp(spec.labels),
        environment={**cfg.env, **env},
    )
    return spec.name


def remove_project_images(client: Any, name: str) -> None:
    """As on a fresh CI machine: no image of this project exists."""
    for img in client.api.images(filters={"label": [f"{engine.LABEL_PROJECT}={name}"]}):
        with contextlib.suppress(Exception):
            client.api.remove_image(img["Id"], force=True)
