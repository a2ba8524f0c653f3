"""The one place that decides what is a secret and how it is shown (issue 7).

Every output path (check reports, ``diff``, ``snapshot``, ``render``, build
logs, errors) asks this module. A value is secret by its variable's name
(``is_secret_name``) or by its own shape (``find_secrets``: token prefixes,
JWTs, PEM private keys, URL passwords). A masked value reads
``<masked:1a2b3c4d5e6f>``: equal values give equal masks under one salt, so
dev, prod and the lock's fingerprint still compare; the salt is the lock's
own (``salt_of``) and the mask goes through a slow KDF, so a guess list
cannot be tried fast against a report (an unsalted sha256 prefix fell to a
three-word list).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets as _random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TypeGuard  # 3.10+: annotations only

from devparity.cache import atomic_write_text, cache_dir

# Substrings of a variable name that mark its value secret. PASS covers
# PASSWORD, PASSWD, PASSPHRASE, DB_PASS and PGPASS. CERT is left out on
# purpose: certificates are public (SSL_CERT_FILE is a path); a private key
# pasted under any name is caught by its shape instead.
MARKERS = (
    "TOKEN", "SECRET", "PASS", "KEY", "CREDENTIAL", "CREDS", "PRIVATE", "AUTH", "DSN",
    "SALT", "COOKIE", "JWT", "SESSION", "SIGNATURE", "SIGNING", "WEBHOOK", "CONNECTION_STRING",
)  # fmt: skip
# PWD is a secret only as part of a longer name (DB_PWD): alone, and as
# OLDPWD, it is the shell's working directory.
_PWD_PART = re.compile(r"(?:^|[_-])PWD(?:$|[_-])")

# Values that are secrets whatever they are called. Each needs a distinctive
# prefix and a body long enough that ordinary text does not match.
_EDGE = r"(?<![A-Za-z0-9_])"
TOKEN_SHAPES = re.compile(
    "|".join(
        (
            _EDGE + r"gh[pousr]_[A-Za-z0-9]{20,}",
            _EDGE + r"github_pat_[A-Za-z0-9_]{20,}",
            _EDGE + r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",
            _EDGE + r"sk-[A-Za-z0-9_-]{20,}",
            _EDGE + r"(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
            _EDGE + r"xox[abprs]-[A-Za-z0-9-]{10,}",
            _EDGE + r"glpat-[A-Za-z0-9_-]{20,}",
            _EDGE + r"npm_[A-Za-z0-9]{30,}",
            _EDGE + r"pypi-AgE[A-Za-z0-9_-]{20,}",
            _EDGE + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
            # a PEM private key, to its END line or, cut short, to the end
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|.*)",
        )
    ),
    re.S,
)
# The password of a URL with credentials (postgres://user:PASSWORD@host/db).
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*:)(?P<password>[^@\s/]+)(?=@)")

_MASK = re.compile(r"<masked(?::| sha256:)[0-9a-f]{12}>")  # the old unsalted form too
SALT_RE = re.compile(r"[0-9a-f]{32}")
# PBKDF2 rounds: a few ms per mask (cached per process), so a guess list
# costs the same per guess and per salt.
KDF_ROUNDS = 20_000
MIN_REDACT = 4  # shorter values would mask random substrings of a build log


def is_secret_name(name: str) -> bool:
    """True if a variable's (or flag's) name suggests its value is a secret."""
    upper = name.upper()
    return any(m in upper for m in MARKERS) or bool(_PWD_PART.search(upper) and upper not in ("PWD", "OLDPWD"))


def find_secrets(text: str) -> list[str]:
    """Secret-shaped substrings of ``text`` (tokens, keys, URL passwords)."""
    found = [m.group(0) for m in TOKEN_SHAPES.finditer(text)]
    found += [m["password"] for m in _URL_PASSWORD.finditer(text) if not is_mask(m["password"])]
    return [s for s in found if not is_mask(s)]


def url_passwords(value: str) -> list[str]:
    return [m["password"] for m in _URL_PASSWORD.finditer(value) if not is_mask(m["password"])]


def looks_secret(value: str) -> bool:
    return bool(find_secrets(value))


# --- salts ---------------------------------------------------------------


def new_salt() -> str:
    return _random.token_hex(16)


def valid_salt(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(SALT_RE.fullmatch(value))


@functools.cache
def user_salt() -> str:
    """This user's salt, for masks made outside any lock (kept in the cache
    dir, created on first use; a broken file is replaced)."""
    path = cache_dir() / "salt"
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        text = ""
    if valid_salt(text):
        return text
    salt = new_salt()
    atomic_write_text(path, salt + "\n")
    return salt


@functools.cache
def _pending_salt() -> str:
    return new_salt()


def salt_of(lock: Any) -> str:
    """The salt masks are keyed with: the lock's own, or without a lock (or
    in a lock of an older devparity that has none) the per-user salt."""
    salt = getattr(lock, "data", {}).get("salt") if lock is not None else None
    return salt if valid_salt(salt) else user_salt()


def salt_for_write(lock: Any) -> str:
    """The salt the lock about to be written carries: the current lock's, or
    a fresh one (the same one for every caller in this process)."""
    salt = getattr(lock, "data", {}).get("salt") if lock is not None else None
    return salt if valid_salt(salt) else _pending_salt()


# --- masks ---------------------------------------------------------------


def is_mask(value: str) -> bool:
    return bool(_MASK.fullmatch(value))


@functools.lru_cache(maxsize=4096)
def _digest(value: str, salt: str) -> str:
    raw = value.encode("utf-8", "surrogatepass")
    return hashlib.pbkdf2_hmac("sha256", raw, salt.encode("ascii"), KDF_ROUNDS, dklen=6).hex()


@functools.lru_cache(maxsize=256)
def sealed(value: str, salt: str) -> str:
    """A hash of ``value`` fit to commit although it may hold a secret: the
    slow keyed derivation of the masks, full length. A plain sha256 of a
    short password (`POSTGRES_PASSWORD = "dev"`) is found by guessing."""
    raw = value.encode("utf-8", "surrogatepass")
    return "pbkdf2:" + hashlib.pbkdf2_hmac("sha256", raw, salt.encode("ascii"), KDF_ROUNDS).hex()


def mask(value: str, salt: str | None = None) -> str:
    """A stand-in for ``value``: equal for equal values under one salt, idempotent."""
    if is_mask(value):
        return value
    return f"<masked:{_digest(value, salt or user_salt())}>"


def mask_text(text: str, salt: str | None = None) -> str:
    """``text`` with every secret-shaped part masked (the rest as it is)."""
    if not isinstance(text, str):
        return text
    text = TOKEN_SHAPES.sub(lambda m: mask(m.group(0), salt), text)
    return _URL_PASSWORD.sub(lambda m: m["head"] + mask(m["password"], salt), text)


def mask_value(name: str, value: str, salt: str | None = None) -> str:
    """``value`` as it may be shown: all of it for a secret-looking name, else
    its secret-shaped parts."""
    return mask(value, salt) if is_secret_name(name) else mask_text(value, salt)


def mask_env(env: Mapping[str, str], salt: str | None = None) -> dict[str, str]:
    return {k: mask_value(k, v, salt) if isinstance(v, str) else v for k, v in env.items()}


_FLAG_EQ = re.compile(r"(?P<flag>--?[A-Za-z][A-Za-z0-9_.-]*)=(?P<value>.*)", re.S)
_ASSIGN = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)", re.S)
# A shell word (quotes kept together) or a control operator.
_WORD = re.compile(r"""(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'";&|])+|[;&|]+""")
_TRAILING_NAME = re.compile(r"[A-Za-z_][\w.-]*$")


def _flag_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def mask_args(args: Iterable[str], salt: str | None = None) -> list[str]:
    """A command's arguments as they may be shown: ``--password=X``,
    ``--token X``, ``API_KEY=X`` and secret-shaped words masked."""
    out: list[str] = []
    hide_next = False
    for arg in args:
        if not isinstance(arg, str):
            out.append(arg)
            continue
        if hide_next:
            out.append(mask(arg, salt))
            hide_next = False
        elif (m := _FLAG_EQ.fullmatch(arg)) and is_secret_name(_flag_name(m["flag"])):
            out.append(f"{m['flag']}={mask(m['value'], salt)}")
        elif arg.startswith("-") and "=" not in arg and len(arg) > 2 and is_secret_name(_flag_name(arg)):
            out.append(arg)
            hide_next = True
        elif (m := _ASSIGN.fullmatch(arg)) and is_secret_name(m["name"]):
            out.append(f"{m['name']}={mask(m['value'], salt)}")
        else:
            out.append(mask_command_text(arg, salt))
    return out


def mask_command_text(text: str, salt: str | None = None) -> str:
    """A shell string with secret flags (``--token X``, ``--password=X``),
    assignments (``API_KEY=X``, ``//host/:_authToken=X``) and shapes masked."""
    out: list[str] = []
    pos, hide_next = 0, False
    for m in _WORD.finditer(text):
        word, new = m.group(0), m.group(0)
        if word[0] in ";&|":
            hide_next = False
        elif hide_next:
            new, hide_next = mask(word, salt), False
        elif "=" in word[1:]:
            left, _, value = word.partition("=")
            name = _TRAILING_NAME.search(left)
            if name and value and is_secret_name(_flag_name(name.group(0))):
                new = f"{left}={mask(value, salt)}"
        elif word.startswith("-") and len(word) > 2 and is_secret_name(_flag_name(word)):
            hide_next = True
        out.append(text[pos : m.start()] + new)
        pos = m.end()
    out.append(text[pos:])
    return mask_text("".join(out), salt)


def mask_command(command: Any, salt: str | None = None) -> Any:
    """``cmd``/``entrypoint`` of an image config (a list, a string or None)."""
    if isinstance(command, list):
        return mask_args(command, salt)
    if isinstance(command, str):
        return mask_command_text(command, salt)
    return command


# --- redaction of free text (build logs, rendered Dockerfiles) -------------


def escaped_forms(value: str) -> set[str]:
    """The ways a builder or a quoting layer may echo ``value``: as written,
    JSON/Go-escaped (ASCII or not), Dockerfile double-quoted (\\ " $
    escaped), shell single-quoted, Python repr, and each line on its own."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], repr(value)[1:-1]}
    forms.add(re.sub(r'(["\\$`])', r"\\\1", value))
    forms.add(value.replace("'", "'\\''"))
    forms.add(value.replace("\\", "\\\\").replace('"', '\\"'))
    # Go's QuoteToASCII writes astral characters as \U0001f600, JSON as a surrogate pair
    astral = (f"\\U{ord(c):08x}" if ord(c) > 0xFFFF else c for c in json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add("".join(astral))
    forms |= {part for part in re.split(r"[\r\n]+", value) if len(part) >= 2 * MIN_REDACT}
    return {f for f in forms if len(f) >= MIN_REDACT}


_RUN_LINE = re.compile(r"(?m)^(?P<head>(?:Step \d+/\d+ : )?RUN )(?P<cmd>.*)$")


class Redactor:
    """Masks given secret values, in each escaped form, and anything
    secret-shaped, in lines of free text."""

    def __init__(self, values: Iterable[str], salt: str | None = None) -> None:
        self.salt = salt
        pairs: dict[str, str] = {}
        for value in values:
            if len(value) < MIN_REDACT or is_mask(value):
                continue
            masked = mask(value, salt)
            for form in escaped_forms(value):
                pairs.setdefault(form, masked)
        self._pairs = sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True)

    def __call__(self, text: str) -> str:
        for form, masked in self._pairs:
            text = text.replace(form, masked)
        # RUN lines (a rendered Dockerfile, a build step) are shell: `--token X`
        # and `API_KEY=X` there are secrets whatever their value looks like
        text = _RUN_LINE.sub(lambda m: m["head"] + mask_command_text(m["cmd"], self.salt), text)
        return mask_text(text, self.salt)


def secret_values(env: Mapping[str, str]) -> list[str]:
    """The values of ``env`` that must not be shown: whole values of
    secret-looking names, and secret-shaped parts of the others."""
    found = [v for k, v in env.items() if is_secret_name(k)]
    found += [s for v in env.values() for s in find_secrets(v)]
    return found


def redactor(env: Mapping[str, str], salt: str | None = None) -> Redactor:
    return Redactor(secret_values(env), salt)


# --- files that are secrets (check's `secrets` rule) ----------------------

SCAN_MAX_BYTES = 1 << 20  # larger files are data, not credentials; skipped for speed
# .env.example and friends are templates committed on purpose: flagged only
# when they hold a secret-shaped value.
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults")
_SSH_KEYS = ("id_rsa", "id_ed25519", "id_ecdsa", "id_dsa")
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def classify_file(rel: str, data: bytes) -> str | None:
    """Why the file at ``rel`` (relative to the app dir) is a secret, or None.
    Pure; names the kind of secret, never its value."""
    name = rel.rsplit("/", 1)[-1]
    text = data[:SCAN_MAX_BYTES].decode("utf-8", errors="ignore") if b"\0" not in data[:8192] else ""
    if name == ".env" or (name.startswith(".env.") and not name.endswith(_ENV_TEMPLATES)):
        return "an env file"
    if name in _SSH_KEYS or (name.startswith(_SSH_KEYS) and not name.endswith(".pub") and _PRIVATE_KEY.search(text)):
        return "an SSH private key"
    if rel == ".aws/credentials" or rel.endswith("/.aws/credentials"):
        return "an AWS credentials file"
    if name in (".pypirc", ".netrc", "_netrc"):
        return f"a credentials file ({name})"
    if name == ".npmrc" and "_authToken" in text:
        return "an npm token (.npmrc _authToken)"
    if name.endswith(".json") and '"private_key"' in text and _PRIVATE_KEY.search(text):
        return "a service-account key (private_key)"
    if _PRIVATE_KEY.search(text):
        return "a private key"
    if TOKEN_SHAPES.search(text):
        return "a token-shaped value"
    return None
