"""Kubernetes manifests of the released image (`devparity export k8s`,
issue 9): a Deployment and a Service, as the plain dicts the API takes.
Pure. The design of the live check (``k8s://NAMESPACE/DEPLOYMENT``) is in
docs/kubernetes.md.

The image is ``repository@digest``, never a tag. Env values that look
secret (devparity.secrets: by name or by shape) are never written out: they
come from a Secret named ``<name>-env`` by key, which the user creates.
The pod runs as the image's non-root user by number (``runAsNonRoot``
cannot verify a user name), without privilege escalation and with every
capability dropped but ``[app].cap_add``, as the local prod container does.
"""

from __future__ import annotations

from typing import Any

from devparity import deploy, labels, secrets
from devparity.config import Config
from devparity.lock import Lock
from devparity.release import Release
from devparity.render import APP_UID
from devparity.roles import argv

NAME_LABEL = "app.kubernetes.io/name"


def secret_name(config: Config) -> str:
    return f"{deploy.service_name(config).lower()}-env"


def secret_keys(config: Config) -> list[str]:
    """[app].env names whose values must come from the Secret."""
    return sorted(k for k, v in config.env.items() if secrets.is_secret_name(k) or secrets.looks_secret(v))


def manifests(config: Config, lock: Lock, release: Release, *, replicas: int = 1) -> dict[str, Any]:
    """A ``v1 List`` of the Deployment and the Service (kubectl applies it)."""
    name = deploy.service_name(config).lower()
    selector = {NAME_LABEL: name}
    meta_labels = {**selector, "app.kubernetes.io/managed-by": "devparity", labels.PROJECT: config.name}
    annotations = {deploy.LOCK: lock.digest, deploy.RELEASE: release.digest}
    hidden = set(secret_keys(config))
    env: list[dict[str, Any]] = []
    for key in sorted(config.env):
        if key in hidden:
            env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": secret_name(config), "key": key}}})
        else:
            env.append({"name": key, "value": config.env[key]})
    capabilities: dict[str, Any] = {"drop": ["ALL"]}
    if config.cap_add:
        capabilities["add"] = [c.upper().removeprefix("CAP_") for c in config.cap_add]
    container = {
        "name": "app",
        "image": release.ref,
        "args": list(argv(config.command)),
        "workingDir": config.workdir,
        "env": env,
        "ports": [{"containerPort": p, "protocol": "TCP"} for p in config.ports],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": APP_UID,
            "runAsGroup": APP_UID,
            "allowPrivilegeEscalation": False,
            "capabilities": capabilities,
        },
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": meta_labels, "annotations": annotations},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            # as deploy's start-first: a new pod answers before an old one goes
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": meta_labels, "annotations": annotations},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": APP_UID, "runAsGroup": APP_UID},
                    "containers": [container],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": meta_labels, "annotations": annotations},
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": f"tcp-{p}", "port": p, "targetPort": p, "protocol": "TCP"} for p in config.ports],
        },
    }
    return {"apiVersion": "v1", "kind": "List", "items": [deployment, service]}
