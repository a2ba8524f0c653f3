"""`devparity export devcontainer`: a ``.devcontainer/devcontainer.json``
that opens the dev container `up` runs (issue 11), for VS Code, Codespaces
and the Dev Containers CLI. Pure: the document comes from the dev spec
(devparity.roles.dev_spec), so it mirrors `up` by construction.

What the Dev Containers CLI (0.89, tried here) needs spelled out:
- it publishes ``appPort`` but not ``forwardPorts`` (those only reach an
  editor): ports go in ``appPort`` as ``127.0.0.1:HOST:CONTAINER``;
- with ``updateRemoteUserUID`` left on it builds a UID-remapped image
  derived from ours, so the container would not run the locked image id;
- it overrides the image's command with a sleep, so the app is started by
  ``postStartCommand``, in the background (devparity.export.background_line).
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from devparity import roles
from devparity.config import Config
from devparity.export import APP_LOG, MARKER, ImageChoice, background_line

PATH = PurePosixPath(".devcontainer/devcontainer.json")


def document(config: Config, image: ImageChoice, *, uid: int, gid: int, hide: tuple[str, ...] = ()) -> dict[str, Any]:
    """The devcontainer.json of ``config``'s dev container running ``image``
    as ``uid:gid``; ``hide``: project dirs `up` covers with a tmpfs (the
    runtime's shadowed dirs present on the host)."""
    spec = roles.dev_spec(
        config, image.ref, inputs_hash="", uid=uid, gid=gid, supervisor="", watching=False, hide=hide
    )
    volumes = [m for m in spec.mounts if not m.source.startswith("/") and m.target != roles.SUPERVISOR_PATH]
    env = {k: v for k, v in spec.env.items() if not k.startswith("DEVPARITY_")}
    run_args = [f"--security-opt={opt}" for opt in spec.security_opt]
    run_args += [f"--tmpfs={path}:{opts}" for path, opts in sorted(spec.tmpfs.items())]
    doc: dict[str, Any] = {
        "name": f"{config.name} (dev)",
        "image": image.ref,
        "workspaceMount": f"source=${{localWorkspaceFolder}},target={config.workdir},type=bind",
        "workspaceFolder": config.workdir,
        "containerEnv": dict(sorted(env.items())),
        "appPort": [f"{p.host_ip}:{p.host_port}:{p.container}" for p in spec.ports],
        "forwardPorts": [p.container for p in spec.ports],
        "containerUser": spec.user,
        "remoteUser": spec.user,
        "updateRemoteUserUID": False,
        "init": spec.init,
        "overrideCommand": True,
        "runArgs": run_args,
        "mounts": [f"source={m.source},target={m.target},type=volume" for m in volumes],
        "postStartCommand": background_line(config),
    }
    if not doc["mounts"]:
        del doc["mounts"]
    return doc


def render(doc: dict[str, Any], image: ImageChoice) -> str:
    """JSON with comments (the format's own): a header, and a line above
    ``image`` saying whether it is a registry digest or a local image id."""
    lines = json.dumps(doc, indent=2, ensure_ascii=False).splitlines()
    out = [
        f"// {MARKER} devcontainer: the dev container `devparity up` runs, for the Dev Containers CLI and editors.",
        "// Re-run `devparity export devcontainer` after `devparity lock`; edits here are overwritten.",
        f"// The app starts in the background (postStartCommand); its output is in {APP_LOG}.",
    ]
    for line in lines:
        if line.startswith('  "image": '):
            out.append(f"  // {image.note()}")
        out.append(line)
    return "\n".join(out) + "\n"


def parse(text: str) -> dict[str, Any]:
    """A devparity-written devcontainer.json read back (whole-line ``//``
    comments only, as ``render`` writes them). For tests and re-export."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
