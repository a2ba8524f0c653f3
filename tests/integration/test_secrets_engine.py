"""Secrets against the real engine (issue 7, findings 5 and 10): what `build`
leaves out of the image without a .dockerignore, what `check` says when a
secret is let in, and build-log redaction of the forms the builder echoes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from devparity import config, render
from devparity.engine import archive
from tests.support import python_project, run_cli
from tests.support.registry import lock_project

AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n"


def secret_project(root: Path, name: str, extra_toml: str = "") -> Path:
    python_project(root, name, extra_toml=extra_toml)
    (root / ".dockerignore").unlink()  # a hand-written project, or a teammate deleted it
    (root / ".env").write_text(f"AWS_SECRET_ACCESS_KEY={AWS}\n")
    (root / "id_ed25519").write_text(SSH_KEY)
    (root / "config").mkdir()
    (root / "config" / ".env.production").write_text(f"AWS_SECRET_ACCESS_KEY={AWS}\n")
    return root


def app_files(image_id: str, project: str) -> list[str]:
    return archive.list_tree(archive.Target("image", image_id, project), "/app")


def test_build_without_dockerignore_leaves_secrets_out(tmp_path: Path, project_name: str, engine: Any) -> None:
    root = secret_project(tmp_path, project_name)
    r = run_cli("build", "-q", cwd=root)
    assert r.exit_code == 0, r.stderr
    files = app_files(r.stdout.strip().splitlines()[-1], project_name)
    assert "app.py" in files
    assert not {".env", "id_ed25519", "config/.env.production"} & set(files), files
    assert AWS not in r.stdout + r.stderr


def test_included_env_goes_in_and_check_fails_naming_it(tmp_path: Path, project_name: str, engine: Any) -> None:
    root = secret_project(tmp_path, project_name, extra_toml='\n[build]\ninclude = [".env"]\n')
    lock_project(root)
    r = run_cli("build", "-q", cwd=root)
    assert r.exit_code == 0, r.stderr
    files = app_files(r.stdout.strip().splitlines()[-1], project_name)
    assert ".env" in files and "id_ed25519" not in files
    for fmt in ("text", "json", "junit", "github"):
        r = run_cli("check", "--offline", "--format", fmt, cwd=root)
        assert r.exit_code == 1, r.stdout + r.stderr
        assert "/app/.env" in r.stdout and AWS not in r.stdout + r.stderr
    findings = json.loads(run_cli("check", "--offline", "--format", "json", cwd=root).stdout)["findings"]
    secret = [f for f in findings if f["rule"] == "secrets"]
    assert [f["name"] for f in secret] == ["/app/.env"] and "env file" in secret[0]["message"]


TRICKY = 'p"a\\ss w\u00f6rd-42'  # a quote, a backslash, a space, non-ASCII
SHOW_PY = """\
import json, os
v = os.environ["NPM_TOKEN"]
print("raw", v)
print("json", json.dumps(v))
print("json8", json.dumps(v, ensure_ascii=False))
print("repr", repr(v))
"""


def test_build_log_redacts_escaped_forms(tmp_path: Path, project_name: str, engine: Any) -> None:
    toml = f"""
        [build]
        args = {{ NPM_TOKEN = {json.dumps(TRICKY)} }}
    """
    root = python_project(tmp_path, project_name, extra_toml=toml)
    text = (root / "devparity.toml").read_text()
    install = "python show.py && pip install --no-cache-dir -r requirements.txt"
    text = text.replace('files = ["requirements.txt"]', f'files = ["requirements.txt", "show.py"]\ninstall = "{install}"')
    text = text.replace('env = { APP_ENV = "production"', f'env = {{ DB_PASSWORD = {json.dumps(TRICKY)}, APP_ENV = "production"')
    (root / "devparity.toml").write_text(text)
    (root / "show.py").write_text(SHOW_PY)
    cfg = config.load(root / "devparity.toml")
    # the value as the Dockerfile writes it, whatever the quoting: "...", '...' or bare
    written = re.search(r"""DB_PASSWORD=("(?:[^"\\]|\\.)*"|'(?:[^']|'\\'')*'|\S+)""", render.render(cfg))
    assert written, render.render(cfg)
    r = run_cli("build", cwd=root)
    assert r.exit_code == 0, r.stderr
    out = r.stdout + r.stderr
    assert "DB_PASSWORD=" in out and "raw <masked:" in out and 'json "<masked:' in out, out
    forms = {TRICKY, json.dumps(TRICKY)[1:-1], json.dumps(TRICKY, ensure_ascii=False)[1:-1], repr(TRICKY)[1:-1]}
    for form in (*forms, written.group(1), "w\u00f6rd-42", "w\\u00f6rd-42"):
        assert form not in out, (form, out)
    assert run_cli("render", cwd=root).stdout.count("<masked:") == 1
