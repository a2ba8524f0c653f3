"""Build planning without an engine: redaction of secrets in build output."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import builder, plan
from devparity.config import parse
from devparity.errors import BuildFailed

TOML = """
[runtime]
language = "python"
version = "3.11"
[build]
args = { NPM_AUTH_TOKEN = "npm-abcdef" }
[app]
command = ["python", "app.py"]
env = { API_TOKEN = "tok-123456", APP_ENV = "production" }
"""


def test_build_log_redaction_masks_secret_env_and_args() -> None:
    redact = builder.redactor(parse(TOML, Path("/tmp/x/devparity.toml")))
    line = redact('Step 9/16 : ENV API_TOKEN="tok-123456"     APP_ENV="production"')
    assert "tok-123456" not in line and "<masked:" in line and 'APP_ENV="production"' in line
    assert "npm-abcdef" not in redact("Step 4/16 : ARG NPM_AUTH_TOKEN=npm-abcdef")


def test_build_log_redaction_masks_url_passwords() -> None:
    toml = TOML.replace('APP_ENV = "production"', 'APP_ENV = "production", DATABASE_URL = "postgres://u:pw-9876@db/x"')
    redact = builder.redactor(parse(toml, Path("/tmp/x/devparity.toml")))
    line = redact('Step 9/16 : ENV DATABASE_URL="postgres://u:pw-9876@db/x"')
    assert "pw-9876" not in line and "postgres://u:<masked:" in line


def test_failed_build_is_redacted_before_it_reaches_the_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "devparity.toml").write_text(TOML)
    cfg = parse(TOML, tmp_path / "devparity.toml")
    shown: list[str] = []

    def failing_build(_req: object, on_line) -> str:  # type: ignore[no-untyped-def]
        on_line('Step 9/16 : ENV API_TOKEN="tok-123456"')
        raise BuildFailed("build failed at Step 9/16 : ENV API_TOKEN=tok-123456: boom",
                          step="Step 9/16 : ENV API_TOKEN=tok-123456", log_tail=["ENV API_TOKEN=tok-123456"])

    monkeypatch.setattr("devparity.engine.images.build", failing_build)
    monkeypatch.setattr("devparity.engine.images.context_files", lambda root, include=(): ["devparity.toml"])
    monkeypatch.setattr("devparity.engine.images.by_labels", lambda labels: [])
    with pytest.raises(BuildFailed) as err:
        builder.ensure(plan.make(cfg, None), on_line=shown.append)
    everything = " ".join([*shown, str(err.value), err.value.step or "", *err.value.log_tail])
    assert "tok-123456" not in everything
    assert everything.count("<masked:") == 4


@pytest.mark.parametrize(
    ("ref", "repo_digests", "expected"),
    [
        ("python:3.11-slim", ["python@sha256:aa"], "sha256:aa"),
        ("python:3.11-slim", ["docker.io/library/python@sha256:bb"], "sha256:bb"),
        # the same image pushed elsewhere is not python's digest
        ("python:3.11-slim", ["127.0.0.1:5000/ms/python@sha256:cc"], None),
        ("127.0.0.1:5000/ms/python:3.11", ["python@sha256:aa", "127.0.0.1:5000/ms/python@sha256:cc"], "sha256:cc"),
        ("python:3.11-slim", [], None),
    ],
)
def test_repo_digest_matches_only_the_refs_own_repository(ref: str, repo_digests: list[str], expected: str | None) -> None:
    from devparity.engine.images import repo_digest
    from devparity.engine.models import ImageInfo

    assert repo_digest(ImageInfo.from_inspect({"Id": "sha256:1", "RepoDigests": repo_digests}), ref) == expected


def test_build_output_split_mid_line_reaches_the_redactor_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine may cut a chunk anywhere; a secret cut in two would pass a
    line-by-line redactor, so only whole lines go on (issue 7)."""
    from types import SimpleNamespace

    from devparity.engine import images
    from devparity.engine.specs import BuildRequest

    chunks = [{"stream": "Step 1/2 : RUN x\nraw tok-12"}, {"stream": "3456 done\n"}, {"aux": {"ID": "sha256:" + "a" * 64}}]
    fake = SimpleNamespace(api=SimpleNamespace(build=lambda **_kw: iter(chunks)))
    monkeypatch.setattr(images, "client", lambda: fake)
    (tmp_path / "app.py").write_text("")
    req = BuildRequest(tmp_path, "FROM scratch\n", "t", {}, {}, None)
    lines: list[str] = []
    assert images.build(req, lines.append) == "sha256:" + "a" * 64
    assert lines == ["Step 1/2 : RUN x", "raw tok-123456 done"]
