"""Unit tests for the pure fingerprint parsers and filters (no engine)."""

from __future__ import annotations

import hashlib
import json

import pytest

from devparity.drift import filters, fingerprint, parsers
from devparity.engine.models import RunConfig
from devparity.runtimes import node_image, python_image
from devparity.errors import UsageError
from tests.support import fingerprint as fake_fingerprint

OS_RELEASE_DEBIAN = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
HOME_URL="https://www.debian.org/"
"""

OS_RELEASE_ALPINE = """\
NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
"""

DPKG_STATUS = """\
Package: python3
Status: install ok installed
Priority: optional
Version: 3.11.2-1+b1
Description: interactive high-level object-oriented language
 Version: 9.9.9 (a continuation line, not a field)

Package: curl
Status: deinstall ok config-files
Version: 7.88.1-10+deb12u5

Package: nodejs
Status: install ok installed
Version: 18.20.4+dfsg-1~deb12u2
"""

APK_INSTALLED = """\
C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64

C:Q1def=
P:python3
V:3.11.8-r0
"""

METADATA = """\
Metadata-Version: 2.1
Name: Flask_SQLAlchemy
Version: 3.1.1
Summary: Add SQLAlchemy support

Name: NotAHeader
"""


def test_os_release_debian() -> None:
    assert parsers.parse_os_release(OS_RELEASE_DEBIAN) == {
        "id": "debian",
        "version_id": "12",
        "pretty_name": "Debian GNU/Linux 12 (bookworm)",
    }


def test_os_release_unquoted_and_missing() -> None:
    assert parsers.parse_os_release(OS_RELEASE_ALPINE)["version_id"] == "3.19.1"
    assert parsers.parse_os_release("") == {"id": None, "version_id": None, "pretty_name": None}


def test_dpkg_status_keeps_only_installed() -> None:
    assert parsers.parse_dpkg_status(DPKG_STATUS) == {"python3": "3.11.2-1+b1", "nodejs": "18.20.4+dfsg-1~deb12u2"}


def test_apk_installed() -> None:
    assert parsers.parse_apk_installed(APK_INSTALLED) == {"musl": "1.2.4_git20230717-r4", "python3": "3.11.8-r0"}


def test_metadata_normalises_name_and_stops_at_body() -> None:
    assert python_image.parse_metadata(METADATA) == ("flask-sqlalchemy", "3.1.1")
    assert python_image.parse_metadata("Metadata-Version: 2.1\nName: x\n") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Django", "django"), ("zope.interface", "zope-interface"), ("a__b-.c", "a-b-c")],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert parsers.normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        ("home = /usr/local/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n", "3.11.2"),
        ("home = /usr/bin\nimplementation = CPython\nversion_info = 3.12.1.final.0\n", "3.12.1"),
        ("home = /usr/bin\n", None),
    ],
)
def test_pyvenv_cfg(cfg: str, expected: str | None) -> None:
    assert python_image.parse_pyvenv_cfg(cfg) == expected


def test_node_version_h() -> None:
    header = "#define NODE_MAJOR_VERSION 18\n#define NODE_MINOR_VERSION 20\n#define NODE_PATCH_VERSION 4\n"
    assert node_image.parse_node_version_h(header) == "18.20.4"
    assert node_image.parse_node_version_h("#define NODE_MAJOR_VERSION 18\n") is None


def test_patchlevel_h() -> None:
    assert python_image.parse_patchlevel_h('#define PY_VERSION              "3.13.1"\n') == "3.13.1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("18.20.4+dfsg-1~deb12u2", "18.20.4"), ("3.11.2-1+b1", "3.11.2"), ("1:2.3-4", "2.3"), ("3.11.8-r0", "3.11.8")],
)
def test_upstream_version(raw: str, expected: str) -> None:
    assert parsers.upstream_version(raw) == expected


def test_package_json() -> None:
    assert node_image.parse_package_json(b'{"name": "@babel/core", "version": "7.20.0"}') == ("@babel/core", "7.20.0")
    assert node_image.parse_package_json(b'{"name": "x"}') is None
    assert node_image.parse_package_json(b"not json") is None


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("express/package.json", True),
        ("@scope/pkg/package.json", True),
        ("express/node_modules/debug/package.json", False),
        ("@scope/package.json", False),
        ("express/lib/package.json", False),
        # pnpm's store: every installed package once, under .pnpm/<id>/node_modules/
        (".pnpm/left-pad@1.3.0/node_modules/left-pad/package.json", True),
        (".pnpm/@babel+core@7.20.0/node_modules/@babel/core/package.json", True),
        (".pnpm/left-pad@1.3.0/node_modules/left-pad/lib/package.json", False),
        (".pnpm/lock.yaml", False),
        (".package-lock.json", False),
    ],
)
def test_npm_manifest_depth(rel: str, expected: bool) -> None:
    assert node_image.is_npm_manifest(rel) is expected


@pytest.mark.parametrize(
    ("root", "rel", "expected"),
    [
        ("/usr/lib/python3/dist-packages", "pip-23.0.1.dist-info/METADATA", True),
        ("/opt/venv/lib", "python3.11/site-packages/flask-3.0.0.dist-info/METADATA", True),
        ("/usr/local/lib", "python3.11/site-packages/setuptools/_vendor/packaging-24.0.dist-info/METADATA", False),
        ("/usr/lib/python3/dist-packages", "wheel-0.38.4.egg-info/PKG-INFO", True),
        ("/usr/local/lib", "python3.11/site-packages/flask-3.0.0.dist-info/RECORD", False),
    ],
)
def test_pip_metadata_paths(root: str, rel: str, expected: bool) -> None:
    assert python_image.is_pip_metadata(root, rel) is expected


def test_secret_names() -> None:
    assert all(map(filters.is_secret_name, ["GITHUB_TOKEN", "db_password", "AWS_SECRET_ACCESS_KEY", "x_auth"]))
    assert not any(map(filters.is_secret_name, ["PATH", "HOME", "PIP_CERT", "LANG"]))


def test_mask_env_hashes_secret_values_only_and_is_idempotent() -> None:
    masked = fingerprint.mask_env({"API_TOKEN": "hunter2", "DEBUG": "1"})
    unsalted = "<masked:" + hashlib.sha256(b"hunter2").hexdigest()[:12] + ">"
    assert masked["DEBUG"] == "1" and masked["API_TOKEN"].startswith("<masked:")
    assert masked["API_TOKEN"] != unsalted  # salted and stretched (issue 7)
    assert filters.mask_env(masked) == masked


def test_config_from_masks_and_sorts() -> None:
    config = {
        "User": "app",
        "WorkingDir": "/app",
        "Entrypoint": None,
        "Cmd": ["python", "-m", "app"],
        "ExposedPorts": {"8000/tcp": {}, "5678/tcp": {}},
        "Env": ["PATH=/usr/bin", "DB_PASSWORD=s3cret", "EMPTY"],
    }
    c = filters.config_from(RunConfig.parse(config))
    assert c["exposed_ports"] == ["5678/tcp", "8000/tcp"]
    assert c["entrypoint"] is None and c["cmd"] == ["python", "-m", "app"]
    assert c["env"]["PATH"] == "/usr/bin" and c["env"]["EMPTY"] == ""
    assert "s3cret" not in json.dumps(c)


def test_filter_changes_drops_noise_mounts_and_bare_parents() -> None:
    raw = [
        {"path": "/srv", "kind": "C"},
        {"path": "/srv/added.txt", "kind": "A"},
        {"path": "/tmp/x", "kind": "A"},
        {"path": "/root", "kind": "C"},
        {"path": "/root/.cache/pip", "kind": "A"},
        {"path": "/home/app/.cache/x", "kind": "A"},
        {"path": "/app/src/__pycache__/m.cpython-311.pyc", "kind": "A"},
        {"path": "/usr/lib/x.pyc", "kind": "A"},
        {"path": "/etc/hosts", "kind": "C"},
        {"path": "/etc/passwd", "kind": "C"},
        {"path": "/usr/bin/curl", "kind": "D"},
        {"path": "/workspace/file", "kind": "A"},
    ]
    assert filters.filter_changes(raw, ["/workspace"]) == [
        {"path": "/etc/passwd", "kind": "C"},
        {"path": "/srv/added.txt", "kind": "A"},
        {"path": "/usr/bin/curl", "kind": "D"},
    ]


def test_temporary_paths_do_not_swallow_lookalikes() -> None:
    assert filters.is_temporary("/tmp")
    assert not filters.is_temporary("/tmpdata/x")
    assert "/var/tmp" in fingerprint.TEMPORARY_PATHS


def test_hidden_paths_reports_topmost_missing_dir() -> None:
    image = ["node_modules/a/index.js", "node_modules/b/x.js", "app.py", "src/main.py", "src/util.py"]
    host = ["app.py", "src", "src/util.py"]
    assert fingerprint.hidden_paths(image, host) == ["node_modules/", "src/main.py"]
    assert fingerprint.hidden_paths(image, image) == []


def _fp(**over: object) -> dict[str, object]:
    return fake_fingerprint(**{"ref": "x", "packages": {}, **over})


def test_snapshot_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snap.json"
    fingerprint.save_snapshot(_fp(packages={"pip": {"b": "1", "a": "2"}}), path)
    assert fingerprint.load_snapshot(path)["packages"] == {"pip": {"a": "2", "b": "1"}}
    assert path.read_text().index('"a"') < path.read_text().index('"b"')  # canonical: sorted keys


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps(_fp(schema=99)), "schema 99"),
        (json.dumps({"lockfile": 1}), "not a devparity fingerprint"),
        ("{not json", "not valid JSON"),
    ],
)
def test_load_snapshot_rejects(tmp_path, content: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snap.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message) as info:
        fingerprint.load_snapshot(path)
    assert str(info.value).endswith(".")


def test_load_snapshot_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="Cannot read snapshot"):
        fingerprint.load_snapshot(tmp_path / "absent.json")


def test_url_passwords_are_masked_whatever_the_variable_is_called() -> None:
    env = {"DATABASE_URL": "postgres://shop:hunter22@db:5432/shop", "HOME": "/home/app"}
    masked = filters.mask_env(env)
    assert "hunter22" not in masked["DATABASE_URL"]
    assert masked["DATABASE_URL"].startswith("postgres://shop:<masked:")
    assert masked["DATABASE_URL"].endswith("@db:5432/shop")
    assert masked["HOME"] == "/home/app"
    assert filters.mask_env(masked) == masked
    # equal passwords still compare equal, different ones do not
    other = filters.mask_env({"DATABASE_URL": "postgres://shop:other-pw@db:5432/shop"})
    assert masked == filters.mask_env(dict(env)) and other["DATABASE_URL"] != masked["DATABASE_URL"]
