"""`devparity export k8s`: the released image as Kubernetes manifests
(devparity.k8s), printed as JSON for `kubectl apply -f -`."""

from __future__ import annotations

import json

from devparity import k8s, ui
from devparity.commands.push import fresh_lock
from devparity.errors import EXIT_OK, NotReleasable, UsageError
from devparity.project import Project


def export(project: Project, *, kind: str, replicas: int = 1) -> int:
    if kind != "k8s":
        raise UsageError(f"export knows k8s, not {kind!r}")
    lk = fresh_lock(project, "export")
    if lk.release is None:
        raise NotReleasable("devparity.lock records no release to export", hint="run `devparity push` first")
    doc = k8s.manifests(project.config, lk, lk.release, replicas=replicas)
    ui.out(json.dumps(doc, indent=2, sort_keys=True))
    keys = k8s.secret_keys(project.config)
    if keys:
        ui.note(
            f"env {', '.join(keys)} come{'s' if len(keys) == 1 else ''} from the Secret {k8s.secret_name(project.config)} "
            f"(values are never printed): kubectl create secret generic {k8s.secret_name(project.config)} "
            + " ".join(f"--from-literal={k}=..." for k in keys)
        )
    return EXIT_OK
