"""devparity.secrets: names, shapes, salted masks, redaction, file kinds (issue 7)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from devparity import secrets
from devparity.lock import Lock

SALT_A = "0" * 32
SALT_B = "f" * 32


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_TOKEN", "API_SECRET", "DB_PASSWORD", "MYSQL_PASSWD", "DB_PASS", "PGPASS", "PGPASSWORD",
        "X_PWD", "MYSQL_ROOT_PWD", "api_key", "STRIPE_KEY", "AWS_CREDENTIALS", "GOOGLE_CREDS", "PRIVATE_DATA",
        "X_AUTH", "APP_DSN", "SENTRY_DSN", "PASSPHRASE", "SALT", "SESSION_COOKIE", "JWT_SECRET", "JWT",
        "SESSION_ID", "REQUEST_SIGNATURE", "SIGNING_SECRET", "SLACK_WEBHOOK_URL", "AZURE_CONNECTION_STRING",
    ],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert secrets.is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "PWD", "OLDPWD", "LANG", "APP_ENV", "PIP_CERT", "SSL_CERT_FILE", "PORT"])
def test_ordinary_names(name: str) -> None:
    assert not secrets.is_secret_name(name)


SHAPES = {
    "github": "ghp_" + "a1B2" * 9,
    "github oauth": "gho_" + "Z9" * 12,
    "github server": "ghs_" + "x" * 30,
    "github fine-grained": "github_pat_11ABCDEFG0_" + "q" * 40,
    "openai": "sk-proj-" + "A1b2C3d4" * 4,
    "stripe live": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "stripe restricted": "rk_live_" + "9" * 24,
    "aws key id": "AKIAIOSFODNN7EXAMPLE",
    "aws session key id": "ASIA" + "Q" * 16,
    "slack": "xoxb-123456789012-abcdefABCDEF",
    "gitlab": "glpat-" + "x" * 20,
    "npm": "npm_" + "a" * 36,
    "pypi": "pypi-AgEIcHlwaS5vcmc" + "x" * 40,
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "pem rsa": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_token_shapes_are_found_under_any_name(kind: str) -> None:
    value = SHAPES[kind]
    assert secrets.find_secrets(f"prefix {value} suffix") == [value]
    masked = secrets.mask_env({"INNOCENT": f"x {value} y"}, SALT_A)["INNOCENT"]
    assert value not in masked and masked.startswith("x <masked:") and masked.endswith("> y")


@pytest.mark.parametrize("text", ["desk-" + "a" * 30, "task_live_abc", "AKIA", "hello world", "npm_install", "eyJ"])
def test_ordinary_text_is_not_a_token(text: str) -> None:
    assert secrets.find_secrets(text) == []


def test_url_passwords() -> None:
    value = "postgres://shop:hunter2-pw@db:5432/shop"
    assert secrets.find_secrets(value) == ["hunter2-pw"]
    masked = secrets.mask_text(value, SALT_A)
    assert masked.startswith("postgres://shop:<masked:") and masked.endswith("@db:5432/shop")
    assert secrets.mask_text(masked, SALT_B) == masked  # idempotent, whatever the salt


def test_masks_are_salted_equal_within_one_salt_and_idempotent() -> None:
    a1, a2, b = secrets.mask("hunter2", SALT_A), secrets.mask("hunter2", SALT_A), secrets.mask("hunter2", SALT_B)
    assert a1 == a2 and a1 != b
    assert secrets.mask(a1, SALT_B) == a1
    assert secrets.mask("hunter3", SALT_A) != a1
    assert secrets.is_mask(a1) and secrets.is_mask("<masked sha256:0123456789ab>")


def test_a_guess_list_without_the_salt_does_not_recover_the_value() -> None:
    masked = secrets.mask("hunter2", SALT_A)
    for guess in ("password", "letmein", "hunter2"):
        unsalted = hashlib.sha256(guess.encode()).hexdigest()[:12]
        assert unsalted not in masked
        assert secrets.mask(guess, SALT_B) != masked


def test_one_mask_is_a_slow_kdf_and_cached() -> None:
    assert secrets.KDF_ROUNDS >= 10_000  # a few ms per guess, not one hash
    hits = secrets._digest.cache_info().hits
    first = secrets.mask("a-value-never-masked-before", "1" * 32)
    assert secrets.mask("a-value-never-masked-before", "1" * 32) == first
    assert secrets._digest.cache_info().hits == hits + 1


def test_salt_of_a_lock_and_the_per_user_salt(tmp_path: Path) -> None:
    assert secrets.salt_of(Lock({"salt": SALT_B})) == SALT_B
    user = secrets.salt_of(None)
    assert secrets.valid_salt(user) and secrets.salt_of(Lock({"salt": "short"})) == user
    assert secrets.salt_for_write(Lock({"salt": SALT_B})) == SALT_B
    fresh = secrets.salt_for_write(None)
    assert fresh != user and secrets.salt_for_write(Lock({})) == fresh  # one per process


@pytest.mark.parametrize(
    ("args", "hidden"),
    [
        (["app", "--password=hunter22"], "hunter22"),
        (["app", "--token", "tok-value-1"], "tok-value-1"),
        (["app", "--api-key", "k-value-1"], "k-value-1"),
        (["env", "DB_PASS=pw-value-1", "app"], "pw-value-1"),
        (["app", "--repo", "ghp_" + "b" * 36], "ghp_" + "b" * 36),
        (["/bin/sh", "-c", "app --secret s3cr3t-v && DB_PWD=pw-2 run"], "s3cr3t-v"),
        (["/bin/sh", "-c", "app --secret s3cr3t-v && DB_PWD=pw-2 run"], "pw-2"),
    ],
)
def test_command_arguments_are_masked(args: list[str], hidden: str) -> None:
    shown = secrets.mask_args(args, SALT_A)
    assert hidden not in json.dumps(shown) and "<masked:" in json.dumps(shown)
    assert secrets.mask_args(shown, SALT_B) == shown
    assert secrets.mask_args(["python", "app.py", "--port", "8000"]) == ["python", "app.py", "--port", "8000"]


TRICKY = 'p"a\\ss\tw\u00f6rd$x'


@pytest.mark.parametrize(
    "line",
    [
        f"Step 9/16 : ENV DB_PASSWORD={json.dumps(TRICKY)}",  # the Dockerfile as written (json)
        f"Step 9/16 : ENV DB_PASSWORD={json.dumps(TRICKY, ensure_ascii=False)}",
        'Step 9/16 : ENV DB_PASSWORD="p\\"a\\\\ss\tw\u00f6rd\\$x"',  # Dockerfile double quotes
        "Step 9/16 : ENV DB_PASSWORD='p\"a\\ss\tw\u00f6rd$x'",  # shell single quotes
        f"value is {TRICKY} here",  # a RUN step echoing it raw
        'msg="p\\"a\\\\ss\\tw\\u00f6rd$x"',  # Go/JSON escapes: \" \\ \t \u00e9
    ],
)
def test_build_redaction_covers_escaped_forms(line: str) -> None:
    redact = secrets.redactor({"DB_PASSWORD": TRICKY, "APP_ENV": "production"}, SALT_A)
    out = redact(line)
    assert "w\u00f6rd" not in out and "w\\u00f6rd" not in out and "<masked:" in out, out


def test_redaction_keeps_ordinary_values_and_short_secrets_alone() -> None:
    redact = secrets.redactor({"APP_ENV": "production", "X_TOKEN": "ab"})
    assert redact('ENV APP_ENV="production" X_TOKEN="ab"') == 'ENV APP_ENV="production" X_TOKEN="ab"'


@pytest.mark.parametrize(
    ("rel", "data", "kind"),
    [
        (".env", b"AWS_SECRET_ACCESS_KEY=abc\n", "an env file"),
        ("config/.env.production", b"X=1\n", "an env file"),
        ("id_ed25519", b"-----BEGIN OPENSSH PRIVATE KEY-----\n", "an SSH private key"),
        ("keys/id_rsa", b"anything", "an SSH private key"),
        ("tls/server.pem", b"-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n", "a private key"),
        ("tls/server.key", b"-----BEGIN EC PRIVATE KEY-----\n", "a private key"),
        ("home/.aws/credentials", b"[default]\n", "an AWS credentials file"),
        (".npmrc", b"//registry.npmjs.org/:_authToken=abc\n", "an npm token (.npmrc _authToken)"),
        (".pypirc", b"[pypi]\n", "a credentials file (.pypirc)"),
        (".netrc", b"machine x login y password z\n", "a credentials file (.netrc)"),
        ("sa.json", b'{"private_key": "-----BEGIN PRIVATE KEY-----\\nMII"}', "a service-account key (private_key)"),
        ("settings.py", b"TOKEN = 'ghp_" + b"c" * 36 + b"'\n", "a token-shaped value"),
    ],
)
def test_secret_files(rel: str, data: bytes, kind: str) -> None:
    assert secrets.classify_file(rel, data) == kind


@pytest.mark.parametrize(
    ("rel", "data"),
    [
        (".env.example", b"API_KEY=\n"),
        ("id_ed25519.pub", b"ssh-ed25519 AAAA"),
        ("tls/ca.pem", b"-----BEGIN CERTIFICATE-----\n"),
        (".npmrc", b"registry=https://registry.npmjs.org/\n"),
        ("app.py", b"print('hi')\n"),
        ("blob.bin", b"\0\0ghp_" + b"c" * 36),
    ],
)
def test_ordinary_files(rel: str, data: bytes) -> None:
    assert secrets.classify_file(rel, data) is None


@pytest.mark.parametrize("include", [".env", "./.env", "/.env"])
def test_default_excludes_and_include(tmp_path: Path, include: str) -> None:
    from devparity.engine.images import context_files

    for rel in (".env", "sub/.env", "id_ed25519", ".git/HEAD", "app.py", "devparity.toml", "keys/x.pem"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert [f for f in context_files(tmp_path) if not (tmp_path / f).is_dir()] == ["app.py"]
    assert ".env" in context_files(tmp_path, (include,)) and "sub/.env" not in context_files(tmp_path, (include,))
    (tmp_path / ".dockerignore").write_text("!keys/x.pem\n")  # a project's own re-include works too
    assert "keys/x.pem" in context_files(tmp_path)


def test_run_lines_mask_secret_flags_and_assignments() -> None:
    redact = secrets.redactor({})
    line = redact("Step 6/16 : RUN npm config set //r/:_authToken=tok-abc && pip install --token tk-1 -r requirements.txt")
    assert "tok-abc" not in line and "tk-1" not in line and "-r requirements.txt" in line
    assert redact("RUN pip install --no-cache-dir -r requirements.txt") == "RUN pip install --no-cache-dir -r requirements.txt"
    assert redact("RUN useradd --create-home --uid 10001 --user-group app").endswith("--user-group app")
