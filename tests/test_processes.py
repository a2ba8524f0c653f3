"""Process containers (issue 8, [processes.NAME]): pure specs derived from
the app's, and the words `exec` takes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from devparity import config as config_mod
from devparity import identity, labels, processes, roles
from devparity.commands import attach
from devparity.drift import targets
from devparity.errors import UsageError
from devparity.project import Project
from devparity.roles import DEV, DEV_HOME, PROD, SUPERVISOR_PATH, Component, Mount

TOML = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000]
env = { APP_ENV = "production", QUEUE = "jobs" }
cap_add = ["NET_BIND_SERVICE"]

[dev]
env = { APP_ENV = "development" }
reload = "signal:HUP"

[processes.worker]
command = ["python", "worker.py"]
env = { QUEUE = "mail", CONCURRENCY = "2" }

[processes.beat]
command = "python beat.py --every 5"
"""


def load(tmp_path: Path) -> config_mod.Config:
    path = tmp_path / "devparity.toml"
    path.write_text(TOML)
    return config_mod.load(path)


def specs(cfg: config_mod.Config, role: str) -> list[roles.ContainerSpec]:
    if role == DEV:
        app = roles.dev_spec(cfg, "sha256:img", inputs_hash="sha256:in", uid=1000, gid=1000, supervisor="/h/supervise.sh")
    else:
        app = roles.prod_spec(cfg, "sha256:img", inputs_hash="sha256:in")
    return processes.role_specs(cfg, app)


def test_a_dev_process_is_the_dev_app_with_its_own_command_env_and_name(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    app, worker, beat = specs(cfg, DEV)
    assert worker.name == f"shop-dev-worker-{identity.checkout_id(tmp_path)[:8]}" == roles.component_name(cfg, DEV, "worker")
    assert worker.command == ("/bin/sh", SUPERVISOR_PATH, "python", "worker.py")
    assert beat.command == ("/bin/sh", SUPERVISOR_PATH, "/bin/sh", "-c", "python beat.py --every 5")
    # the same image, mount, user, supervisor, reload and hardening as the app
    for field in ("image", "user", "mounts", "working_dir", "tmpfs", "security_opt", "cap_drop", "role"):
        assert getattr(worker, field) == getattr(app, field), field
    assert Mount(str(tmp_path.resolve()), "/app") in worker.mounts
    assert worker.ports == () and app.ports != ()
    # app env, then [dev].env, then the process's own; the supervisor's settings stay the app's
    assert worker.env["APP_ENV"] == "development" and worker.env["QUEUE"] == "mail" and worker.env["CONCURRENCY"] == "2"
    assert worker.env["HOME"] == DEV_HOME and worker.env["DEVPARITY_RELOAD"] == "signal:HUP"
    assert "CONCURRENCY" not in beat.env and beat.env["QUEUE"] == "jobs"


def test_a_prod_process_is_hardened_like_the_prod_app(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    app, worker, _ = specs(cfg, PROD)
    assert worker.command == ("python", "worker.py")
    assert worker.user is None and worker.mounts == () and worker.ports == ()
    assert worker.cap_drop == ("ALL",) and worker.cap_add == ("NET_BIND_SERVICE",)
    assert worker.security_opt == (roles.NO_NEW_PRIVILEGES,)
    assert worker.env == {"APP_ENV": "production", "QUEUE": "mail", "CONCURRENCY": "2"}
    assert not any(k.startswith("DEVPARITY_") for k in worker.env)


def test_process_labels_are_the_apps_plus_its_component(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    app, worker, _ = specs(cfg, PROD)
    assert worker.labels == {**app.labels, labels.KIND: labels.PROCESS, labels.COMPONENT: "worker"}
    assert processes.component_of(worker) == Component(PROD, labels.PROCESS, "worker")
    assert processes.component_of(app) == Component(PROD, labels.APP, labels.APP)
    assert [processes.key_of(s) for s in specs(cfg, DEV)] == ["dev", "dev/worker", "dev/beat"]


def test_messages_name_a_dev_process_by_its_word_and_a_prod_one_by_role(tmp_path: Path) -> None:
    assert processes.who(Component(DEV, labels.PROCESS, "worker")) == "worker"
    assert processes.who(Component(PROD, labels.PROCESS, "worker")) == "prod/worker"
    assert processes.who(Component(PROD, labels.APP, labels.APP)) == "the prod app"


@pytest.mark.parametrize(
    ("argv", "where", "command"),
    [
        ([], Component(DEV, labels.APP, labels.APP), []),
        (["prod"], Component(PROD, labels.APP, labels.APP), []),
        (["worker", "--", "ls", "-l"], Component(DEV, labels.PROCESS, "worker"), ["ls", "-l"]),
        (["prod/worker", "id"], Component(PROD, labels.PROCESS, "worker"), ["id"]),
        (["ls", "worker"], Component(DEV, labels.APP, labels.APP), ["ls", "worker"]),  # a command for dev
        (["/bin/ls"], Component(DEV, labels.APP, labels.APP), ["/bin/ls"]),
        (["--", "worker"], Component(DEV, labels.APP, labels.APP), ["worker"]),
    ],
)
def test_exec_and_logs_words_name_a_process(tmp_path: Path, argv: list[str], where: Component, command: list[str]) -> None:
    cfg = load(tmp_path)
    word, rest = attach.split_target(argv, cfg)
    assert (roles.resolve_component(word, cfg), rest) == (where, command)


def test_a_process_word_of_an_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    word, _ = attach.split_target(["prod/nope", "id"], cfg)
    with pytest.raises(UsageError, match="no role, service or process"):
        roles.resolve_component(word, cfg)


@pytest.mark.parametrize(
    ("word", "component"),
    [
        ("worker", Component(DEV, labels.PROCESS, "worker")),
        ("prod/worker", Component(PROD, labels.PROCESS, "worker")),
        ("dev/beat", Component(DEV, labels.PROCESS, "beat")),
        ("nginx", None),  # an image reference
        ("library/worker", None),  # an image of that repository, not a role
        ("prod/nope", None),  # read as an image reference (and refused there)
        ("./worker", None),  # a snapshot file
        ("worker.json", None),
    ],
)
def test_snapshot_and_diff_targets_that_name_a_process(tmp_path: Path, word: str, component: Component | None) -> None:
    resolver = targets.Resolver()
    resolver._project = cast(Project, SimpleNamespace(config=load(tmp_path), lock=None))
    assert resolver._component(word) == component


def test_a_process_of_the_apps_own_program_runs_the_dev_build_in_dev(tmp_path: Path) -> None:
    """A compiled app's dev command runs the binary the supervisor rebuilds;
    a process running the app's program with other arguments does too."""
    text = TOML.replace('command = ["python", "app.py"]', 'command = ["/opt/app/app"]', 1)
    text = text.replace("[dev]\n", '[dev]\ncommand = ["/opt/app-dev/app"]\n')
    text = text.replace('command = ["python", "worker.py"]', 'command = ["/opt/app/app", "-worker"]')
    (tmp_path / "devparity.toml").write_text(text)
    cfg = config_mod.load(tmp_path / "devparity.toml")
    _, worker, beat = specs(cfg, DEV)
    assert worker.command == ("/bin/sh", SUPERVISOR_PATH, "/opt/app-dev/app", "-worker")
    assert beat.command[2:] == ("/bin/sh", "-c", "python beat.py --every 5")  # another program: as written
    assert specs(cfg, PROD)[1].command == ("/opt/app/app", "-worker")
