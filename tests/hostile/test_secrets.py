"""Hostile corpus, part "secrets" (issue 7, findings 5 and 8): no secret value
in any output of `render`, `diff`, `snapshot` or a config error, whatever the
variable is called; no control character from an image forges a CI line.
No engine needed: snapshots are files, `render` is pure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import fingerprint
from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run

GHP = "ghp_" + "R7x" * 12
# (env name, value): names the old marker list missed, and shapes under innocent names
SECRET_ENV = [
    ("DB_PASS", "db-pass-value-1"),
    ("X_PWD", "x-pwd-value-2"),
    ("PGPASSWORD", "pg-password-value-3"),
    ("APP_DSN", "dsn-value-4"),
    ("PASSPHRASE", "passphrase-value-5"),
    ("SALT", "salt-value-6"),
    ("SESSION_COOKIE", "session-cookie-value-7"),
    ("JWT_SECRET", "jwt-secret-value-8"),
    ("GREETING", GHP),
    ("BUCKET", "AKIAIOSFODNN7EXAMPLE"),
    ("DATABASE_URL", "postgres://shop:url-password-9@db/shop"),
    ("PAYMENTS", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
]


def _hidden(value: str) -> str:
    """The part of ``value`` that must not appear (a URL's password only)."""
    return "url-password-9" if value.startswith("postgres://") else value


def _toml_with_env(name: str, value: str) -> str:
    return BASE_TOML.replace('env = { APP_ENV = "production" }', f'env = {{ APP_ENV = "production", {name} = "{value}" }}')


@pytest.mark.parametrize(("name", "value"), SECRET_ENV, ids=[n for n, _ in SECRET_ENV])
def test_render_masks_secret_env(tmp_path: Path, name: str, value: str) -> None:
    root = make_project(tmp_path / "p", toml=_toml_with_env(name, value))
    before = listing(root)
    r = run(root, "render")
    assert_clean(r, 0, secrets=(_hidden(value),), mentions=(name, "<masked:"), one_line=False, root=root, before=before)


def _fingerprint(env: dict[str, str], *, cmd: list[str] | None = None, changes: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return fingerprint(
        kind="container",
        ref="x",
        image_id="sha256:" + "0" * 64,
        os={"id": "debian"},
        packages={},
        config_over={"cmd": cmd, "exposed_ports": [], "env": env},
        changes=changes or [],
    )


def _snapshots(root: Path, a: dict[str, Any], b: dict[str, Any]) -> None:
    (root / "a.json").write_text(json.dumps(a))
    (root / "b.json").write_text(json.dumps(b))


ALL_ENV = dict(SECRET_ENV)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diff_of_hand_edited_snapshots_masks_every_secret(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "p", toml=None)
    _snapshots(root, _fingerprint({k: v + "-a" for k, v in ALL_ENV.items()}), _fingerprint(ALL_ENV))
    before = listing(root)
    r = run(root, "diff", "a.json", "b.json", "--format", fmt)
    hidden = tuple(_hidden(v) for v in ALL_ENV.values())
    assert_clean(r, 1, secrets=hidden, mentions=("DB_PASS", "JWT_SECRET", "<masked:"), one_line=False, root=root, before=before)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diff_masks_command_arguments(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "p", toml=None)
    a = _fingerprint({}, cmd=["app", "--password=pw-arg-value", "--token", "tok-arg-value", "API_KEY=key-arg-value"])
    _snapshots(root, a, _fingerprint({}, cmd=["app"]))
    r = run(root, "diff", "a.json", "b.json", "--format", fmt)
    assert_clean(r, 1, secrets=("pw-arg-value", "tok-arg-value", "key-arg-value"), mentions=("--password",), one_line=False)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diff_control_characters_cannot_forge_a_ci_line(tmp_path: Path, fmt: str) -> None:
    root = make_project(tmp_path / "p", toml=None)
    forged = [{"path": "/app/x\n::error::pwned", "kind": "A"}]
    _snapshots(root, _fingerprint({}), _fingerprint({"GREETING": "hi\n::error::pwned"}, changes=forged))
    r = run(root, "diff", "a.json", "b.json", "--format", fmt)
    assert_clean(r, 1, one_line=False, mentions=("pwned",))
    assert not any(line.lstrip().startswith("::error::") for line in r.stdout.splitlines()), r.stdout


def test_snapshot_of_a_hand_edited_file_masks_secrets(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    fp = _fingerprint(ALL_ENV, cmd=["app", "--secret", "cmd-secret-value"])
    (root / "a.json").write_text(json.dumps(fp))
    r = run(root, "snapshot", "a.json")
    hidden = (*(_hidden(v) for v in ALL_ENV.values()), "cmd-secret-value")
    assert_clean(r, 0, secrets=hidden, mentions=("PGPASSWORD",), one_line=False)
    json.loads(r.stdout)


def test_snapshot_written_to_a_file_masks_secrets(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    (root / "a.json").write_text(json.dumps(_fingerprint(ALL_ENV)))
    r = run(root, "snapshot", "a.json", "--output", "out.json")
    assert_clean(r, 0, secrets=tuple(_hidden(v) for v in ALL_ENV.values()), one_line=True)
    written = (root / "out.json").read_text()
    assert not any(_hidden(v) in written for v in ALL_ENV.values())


WRONG_TYPED = {
    "app.env": ("[app]", 'env = { DB_PASSWORD = "typed-secret-1", PORT = 8000 }'),
    "dev.env": ("[dev]", 'env = { SESSION_COOKIE = "typed-secret-1", DEBUG = true }'),
    "build.args": ("[build]", 'args = { NPM_TOKEN = "typed-secret-1", RETRIES = 3 }'),
}


@pytest.mark.parametrize("where", sorted(WRONG_TYPED))
def test_wrongly_typed_table_never_echoes_its_secret(tmp_path: Path, where: str) -> None:
    section, line = WRONG_TYPED[where]
    toml = BASE_TOML.replace('env = { APP_ENV = "production" }\n', "")
    toml += f"\n{section}\n{line}\n" if section != "[app]" else ""
    if section == "[app]":
        toml = toml.replace('ports = [8000]\n', f"ports = [8000]\n{line}\n")
    root = make_project(tmp_path / "p", toml=toml)
    before = listing(root)
    r = run(root, "render")
    assert_clean(r, 2, secrets=("typed-secret-1",), root=root, before=before)


def test_error_messages_mask_token_shapes(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    r = run(root, "diff", f"./{GHP}.json", "a.json")
    assert_clean(r, 2, secrets=(GHP,))
