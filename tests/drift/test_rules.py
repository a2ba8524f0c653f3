"""The check rules on small fingerprint dicts (no engine)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from devparity.drift.filters import mask_env
from devparity.config import AllowRule
from devparity.drift.findings import BaseFacts, ContainerFacts, Facts, Skipped
from devparity.drift.container_rule import fold_changes
from devparity.drift.rules import evaluate
from tests.support import fingerprint

IMAGE: dict[str, Any] = fingerprint(
    ref="devparity/shop:abc",
    image_id="sha256:aaa",
    packages={"dpkg": {"bash": "5.2.15"}, "pip": {"flask": "3.0.0", "idna": "3.6"}},
    config_over={
        "user": "app",
        "env": mask_env({"APP_ENV": "production", "PATH": "/opt/venv/bin:/usr/bin", "API_TOKEN": "s3cr3t-value"}),
    },
)
LOCKED = {k: v for k, v in IMAGE.items() if k not in ("image_id", "ref", "kind")} | {
    "base": {"ref": "python:3.11-slim", "digest": "sha256:111"}
}


def dev_container(**overrides: Any) -> dict[str, Any]:
    """A dev container of IMAGE as `devparity up` runs it: the [dev] overlay only."""
    fp = copy.deepcopy(IMAGE)
    fp.update(kind="container", ref="shop-dev")
    fp["config"].update(user="1000:1000", cmd=["/bin/sh", "/.devparity/supervise.sh", "python", "app.py"])
    fp["config"]["env"] = {
        **fp["config"]["env"],
        "APP_ENV": "development",
        "HOME": "/tmp/devparity-home",
        "DEVPARITY_RELOAD": "restart",
        "DEVPARITY_ON_EXIT": "exit",
    }
    fp["changes"] = [{"path": "/.devparity", "kind": "A"}]
    fp["hidden_paths"] = []
    fp["mounts"] = [
        {"type": "bind", "source": "/src/shop", "destination": "/app", "rw": True},
        {"type": "bind", "source": "/x/supervise.sh", "destination": "/.devparity/supervise.sh", "rw": False},
    ]
    fp.update(overrides)
    return fp


def facts(**overrides: Any) -> Facts:
    base = Facts(
        language="python",
        version="3.11",
        dep_files=("requirements.txt",),
        workdir="/app",
        dev_env={"APP_ENV": "development"},
        stale=(),
        locked=LOCKED,
        image=IMAGE,
        base=BaseFacts("python:3.11-slim", "sha256:111", "sha256:111"),
        current_inputs="sha256:inputs",
        containers=(ContainerFacts("dev", "shop-dev", dev_container(), IMAGE, "sha256:inputs"),),
        host="3.11.4",
        app_secrets=(),
    )
    return replace(base, **overrides)


def by_rule(outcome: Any, rule: str) -> list[Any]:
    return [f for f in outcome.findings if f.rule == rule]


def test_a_fresh_project_with_dev_running_is_at_parity() -> None:
    outcome = evaluate(facts())
    assert outcome.findings == []
    assert not outcome.drift
    assert [r.status for r in outcome.results] == ["pass"] * 6


def test_missing_and_stale_lock_name_the_files() -> None:
    outcome = evaluate(facts(stale=("requirements.txt", "devparity.toml (image settings)")))
    found = by_rule(outcome, "lock")
    assert [f.name for f in found] == ["requirements.txt", "devparity.toml (image settings)"]
    assert all("devparity lock" in f.fix for f in found) and outcome.drift
    missing = by_rule(evaluate(facts(stale=None)), "lock")
    assert [f.message for f in missing] == ["devparity.lock does not exist"]


def test_image_drift_names_both_versions_and_the_pin() -> None:
    image = copy.deepcopy(IMAGE)
    image["packages"]["pip"]["idna"] = "3.7"
    image["image_id"], image["ref"] = "sha256:other", "devparity/shop:new"  # volatile: never drift
    [f] = by_rule(evaluate(facts(image=image)), "image")
    assert (f.category, f.ecosystem, f.name, f.expected, f.actual) == ("package", "pip", "idna", "3.6", "3.7")
    assert "3.7" in f.message and "3.6" in f.message
    assert "idna==3.6" in f.fix and "requirements.txt" in f.fix


def test_image_rule_ignores_the_lock_base_and_skips_without_a_fingerprint() -> None:
    assert by_rule(evaluate(facts(image=dict(IMAGE, base={"ref": "x", "digest": "y"}))), "image") == []
    outcome = evaluate(facts(locked=Skipped("no fingerprint")))
    assert outcome.results[1].status == "skipped" and outcome.results[1].skipped == "no fingerprint"


def test_base_drift_names_both_digests() -> None:
    [f] = by_rule(evaluate(facts(base=BaseFacts("reg/py:3.11", "sha256:old", "sha256:new"))), "base")
    assert "sha256:old" in f.message and "sha256:new" in f.message and f.severity == "error"


def test_an_unreachable_registry_is_a_base_error_naming_offline_and_the_other_rules_run() -> None:
    base = BaseFacts("127.0.0.1:5999/py:3.11", "sha256:old", None, unreachable="connection refused")
    outcome = evaluate(facts(base=base))
    [f] = by_rule(outcome, "base")
    assert f.severity == "error" and outcome.drift
    assert "cannot be reached" in f.message and "connection refused" in f.message
    assert "--offline" in f.fix
    status = {r.rule: r.status for r in outcome.results}
    assert status.pop("base") == "fail"
    assert set(status.values()) == {"pass"}, status


def test_hand_installed_package_in_dev_is_drift_and_its_files_fold_into_it() -> None:
    dev = dev_container()
    dev["packages"] = copy.deepcopy(IMAGE["packages"])
    dev["packages"]["pip"]["leftpad"] = "1.0"
    dev["changes"] = [
        {"path": "/.devparity", "kind": "A"},
        {"path": "/opt/venv/lib/python3.11/site-packages/leftpad", "kind": "A"},
        {"path": "/opt/venv/lib/python3.11/site-packages/leftpad/__init__.py", "kind": "A"},
        {"path": "/opt/venv/lib/python3.11/site-packages/leftpad-1.0.dist-info", "kind": "A"},
    ]
    outcome = evaluate(facts(containers=(ContainerFacts("dev", "shop-dev", dev, IMAGE, "sha256:inputs"),)))
    [f] = by_rule(outcome, "containers")
    assert (f.category, f.name, f.subject, f.actual) == ("package", "leftpad", "dev container", "1.0")
    assert "leftpad" in f.message and outcome.drift


def test_allow_accepts_named_drift_with_its_reason_and_reports_unused_entries() -> None:
    dev = dev_container()
    dev["packages"] = copy.deepcopy(IMAGE["packages"])
    dev["packages"]["pip"]["pytest"] = "8.0.0"
    allow = [AllowRule("package", "pytest", "dev tooling"), AllowRule("env", "NOPE", "")]
    outcome = evaluate(facts(containers=(ContainerFacts("dev", "d", dev, IMAGE, None),)), allow)
    [f] = outcome.findings
    assert f.accepted == "dev tooling" and not outcome.drift
    assert outcome.results[3].status == "pass"
    assert outcome.notes == ("[check].allow entry { rule = 'env', name = 'NOPE' } matched nothing",)


def test_env_beyond_dev_declarations_is_drift() -> None:
    dev = dev_container()
    dev["config"]["env"] = {**dev["config"]["env"], "DEBUG": "1", "APP_ENV": "staging"}
    found = by_rule(evaluate(facts(containers=(ContainerFacts("dev", "d", dev, IMAGE, None),))), "containers")
    assert {(f.category, f.name) for f in found} == {("env", "DEBUG"), ("env", "APP_ENV")}
    app_env = next(f for f in found if f.name == "APP_ENV")
    assert "[dev].env declares development" in app_env.message


def test_env_changed_in_prod_only_is_drift_and_secrets_stay_masked() -> None:
    prod = copy.deepcopy(IMAGE)
    prod.update(kind="container", changes=[], hidden_paths=[], mounts=[])
    prod["config"]["env"] = mask_env({**prod["config"]["env"], "APP_ENV": "staging", "API_TOKEN": "leaked-value"})
    found = by_rule(evaluate(facts(containers=(ContainerFacts("prod", "shop-prod", prod, IMAGE, None),))), "containers")
    assert {f.name for f in found} == {"APP_ENV", "API_TOKEN"}
    assert all(f.subject == "prod container" for f in found)
    assert not any("leaked-value" in f.message or "s3cr3t" in f.message for f in found)


def test_writable_layer_and_hidden_paths_and_old_image_in_dev() -> None:
    dev = dev_container(
        changes=[
            {"path": "/etc/motd", "kind": "C"},
            {"path": "/srv/x", "kind": "A"},
            {"path": "/srv/x/y", "kind": "A"},
        ],
        hidden_paths=["/app/generated.txt"],
    )
    c = ContainerFacts("dev", "shop-dev", dev, IMAGE, "sha256:old-inputs")
    found = by_rule(evaluate(facts(containers=(c,))), "containers")
    assert [(f.category, f.name) for f in found] == [
        ("image", "shop-dev"),
        ("file", "/etc/motd"),
        ("file", "/srv/x"),
        ("hidden", "/app/generated.txt"),
    ]


def test_prod_command_or_user_change_is_drift_but_not_in_dev() -> None:
    prod = dev_container(kind="container", changes=[], mounts=[])
    prod["config"]["env"] = IMAGE["config"]["env"]
    found = by_rule(evaluate(facts(containers=(ContainerFacts("prod", "p", prod, IMAGE, None),))), "containers")
    assert {f.name for f in found} == {"user", "cmd"}


def test_host_runtime_is_a_warning_and_an_error_under_strict() -> None:
    outcome = evaluate(facts(host="3.12.1"))
    [f] = by_rule(outcome, "host")
    assert f.severity == "warning" and not outcome.drift and outcome.results[4].status == "warn"
    assert "3.12.1" in f.message and "3.11" in f.message
    strict = evaluate(facts(host="3.12.1"), strict=True)
    assert strict.drift and by_rule(strict, "host")[0].severity == "error"
    assert evaluate(facts(host=Skipped("python3 is not on the host's PATH"))).results[4].status == "skipped"


def test_no_containers_is_a_skip_not_a_pass() -> None:
    result = evaluate(facts(containers=())).results[3]
    assert (result.status, result.skipped) == ("skipped", "no dev or prod container is running")


def test_fold_changes() -> None:
    changes = [
        {"path": "/.devparity", "kind": "A"},  # the engine's mount point for the supervisor
        {"path": "/home/me", "kind": "A"},  # the dev HOME
        {"path": "/home/me/.cache/pip/x", "kind": "A"},
        {"path": "/usr/local/bin/tool", "kind": "A"},
        {"path": "/opt/venv/bin/tool", "kind": "A"},  # pip's: folded into the pip drift
        {"path": "/srv/data", "kind": "D"},
        {"path": "/srv/data/a", "kind": "D"},
        {"path": "/var/lib/dpkg/status", "kind": "C"},  # no dpkg drift: a hand edit is news
    ]
    kept = fold_changes(changes, ["/app", "/.devparity/supervise.sh"], "/home/me", ["pip"])
    assert kept == [("/srv/data", "D"), ("/usr/local/bin/tool", "A"), ("/var/lib/dpkg/status", "C")]


def test_secret_files_in_the_image_fail_naming_the_path() -> None:
    from devparity.drift.findings import SecretFile

    outcome = evaluate(facts(app_secrets=(SecretFile("/app/.env", "an env file"), SecretFile("/app/id_rsa", "an SSH private key"))))
    found = by_rule(outcome, "secrets")
    assert outcome.drift and [f.name for f in found] == ["/app/.env", "/app/id_rsa"]
    assert "an env file" in found[0].message and found[0].severity == "error"
    assert evaluate(facts(app_secrets=Skipped("there is no devparity.lock"))).results[5].status == "skipped"


def test_a_hand_edited_lock_is_an_error_of_the_lock_rule() -> None:
    outcome = evaluate(facts(edited=("`inputs.base.digest` is not `base.digest`",)))
    [f] = by_rule(outcome, "lock")
    assert f.severity == "error" and "edited by hand" in f.message and "inputs.base.digest" in f.message
    assert "devparity lock" in f.fix and outcome.drift
