"""The containers rule for process containers (issue 8): a worker runs the
app's image with its own command and env; that is declared, not drift; what
changed by hand in it is, named with the process (no engine)."""

from __future__ import annotations

import copy
from typing import Any

from devparity.drift.container_rule import process_parity
from devparity.drift.filters import mask_env
from devparity.drift.findings import ContainerFacts, Finding
from devparity.drift.rules import evaluate
from tests.drift.test_rules import IMAGE, by_rule, dev_container, facts

WORKER_CMD = ("python", "worker.py")


def prod_worker(**overrides: Any) -> dict[str, Any]:
    fp = copy.deepcopy(IMAGE)
    fp.update(kind="container", ref="shop-prod-worker", changes=[], hidden_paths=[], mounts=[])
    fp["config"]["cmd"] = list(WORKER_CMD)
    fp["config"]["env"] = mask_env({**fp["config"]["env"], "QUEUE": "mail"})
    fp.update(overrides)
    return fp


def dev_worker(**overrides: Any) -> dict[str, Any]:
    fp = dev_container(ref="shop-dev-worker")
    fp["config"]["cmd"] = ["/bin/sh", "/.devparity/supervise.sh", *WORKER_CMD]
    fp["config"]["env"] = {**fp["config"]["env"], "QUEUE": "mail"}
    fp.update(overrides)
    return fp


def worker(role: str, fp: dict[str, Any], inputs: str = "sha256:inputs", **kw: Any) -> ContainerFacts:
    declared = {"declared_env": mask_env({"QUEUE": "mail"}), "declared_cmd": WORKER_CMD, **kw}
    return ContainerFacts(role, f"shop-{role}-worker", fp, IMAGE, inputs, process="worker", **declared)


def containers_findings(*containers: ContainerFacts) -> list[Finding]:
    return by_rule(evaluate(facts(containers=containers)), "containers")


def test_a_process_at_parity_in_dev_and_prod_has_no_finding() -> None:
    assert containers_findings(worker("dev", dev_worker()), worker("prod", prod_worker())) == []


def test_a_file_changed_by_hand_in_the_prod_worker_names_the_process() -> None:
    fp = prod_worker(changes=[{"path": "/etc/hosts.allow", "kind": "C"}])
    [f] = containers_findings(worker("prod", fp))
    assert (f.category, f.name, f.subject) == ("file", "/etc/hosts.allow", "prod/worker container")
    assert "in the prod/worker container after it started" in f.message


def test_env_beyond_the_process_declaration_is_drift_and_named() -> None:
    fp = prod_worker()
    fp["config"]["env"] = mask_env({**fp["config"]["env"], "QUEUE": "sms", "DEBUG": "1"})
    found = {f.name: f for f in containers_findings(worker("prod", fp))}
    assert set(found) == {"QUEUE", "DEBUG"}
    assert "[processes.worker].env declares mail" in found["QUEUE"].message
    assert found["DEBUG"].subject == "prod/worker container"


def test_a_prod_worker_running_another_command_than_declared_is_drift() -> None:
    [f] = containers_findings(worker("prod", prod_worker(), declared_cmd=("python", "other.py")))
    assert (f.category, f.name) == ("config", "cmd")
    assert "[processes.worker]" in f.message


def test_a_process_gone_from_the_config_is_drift_by_its_command() -> None:
    c = ContainerFacts("prod", "shop-prod-old", prod_worker(), IMAGE, "sha256:inputs", process="old")
    assert {(f.category, f.name) for f in containers_findings(c)} == {("config", "cmd"), ("env", "QUEUE")}


def test_a_process_on_another_image_than_its_app_or_its_other_role() -> None:
    app = ContainerFacts("prod", "shop-prod", {**prod_worker(), "image_id": "sha256:aaa"}, IMAGE, "sha256:inputs")
    other = worker("prod", prod_worker(image_id="sha256:bbb"), inputs="sha256:new")
    dev = worker("dev", dev_worker(image_id="sha256:aaa"))
    found = process_parity([app, other, dev])
    assert [(f.subject, f.name) for f in found] == [("prod/worker container", "shop-prod-worker"), ("dev and prod", "worker")]
    assert "runs image bbb" in found[0].message and "the prod app runs aaa" in found[0].message
    assert process_parity([app, worker("prod", prod_worker())]) == []
