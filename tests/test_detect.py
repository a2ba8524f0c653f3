from __future__ import annotations

import json
from pathlib import Path

import pytest

from devparity import detect
from devparity.errors import DetectionError
from devparity.runtimes.node import semver_satisfies
from devparity.runtimes.python import PythonRuntime
from tests.support import write_files


@pytest.mark.parametrize(
    ("files", "version", "source"),
    [
        ({".python-version": "3.11.7\n"}, "3.11.7", ".python-version"),
        ({"runtime.txt": "python-3.10.4\n"}, "3.10.4", "runtime.txt"),
        ({".tool-versions": "nodejs 20.1.0\npython 3.12.1\n"}, "3.12.1", ".tool-versions"),
        ({"mise.toml": '[tools]\npython = "3.13"\n'}, "3.13", "mise.toml"),
        ({"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.12"\n'}, "3.12", "pyproject.toml"),
        ({"Pipfile": '[requires]\npython_version = "3.9"\n'}, "3.9", "Pipfile"),
    ],
)
def test_python_version_sources(tmp_path: Path, files: dict[str, str], version: str, source: str) -> None:
    write_files(tmp_path, files)
    d = detect.detect(tmp_path, language="python")
    assert (d.version, d.source) == (version, source)


@pytest.mark.parametrize(
    ("files", "version", "source"),
    [
        ({".nvmrc": "v18.19.0\n"}, "18.19.0", ".nvmrc"),
        ({".node-version": "20\n"}, "20", ".node-version"),
        ({".tool-versions": "nodejs 22.2.0\n"}, "22.2.0", ".tool-versions"),
        ({"package.json": json.dumps({"engines": {"node": ">=20 <23"}})}, "20", "package.json"),
    ],
)
def test_node_version_sources(tmp_path: Path, files: dict[str, str], version: str, source: str) -> None:
    write_files(tmp_path, {"package.json": "{}", **files})
    d = detect.detect(tmp_path)
    assert d.language == "node"
    assert (d.version, d.source) == (version, source)


def test_conflict_names_both_files(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'})
    with pytest.raises(DetectionError) as err:
        detect.detect(tmp_path)
    assert ".python-version says 3.11" in str(err.value)
    assert "pyproject.toml says >=3.12" in str(err.value)
    assert err.value.exit_code == 2


def test_conflict_between_exact_pins(tmp_path: Path) -> None:
    write_files(tmp_path, {".nvmrc": "18\n", ".node-version": "20\n", "package.json": "{}"})
    with pytest.raises(DetectionError, match=r"\.nvmrc says 18, \.node-version says 20"):
        detect.detect(tmp_path)


def test_version_flag_settles_a_conflict(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.12"\n'})
    d = detect.detect(tmp_path, version="3.12")
    assert (d.version, d.source) == ("3.12", "--version")
    assert any(".python-version" in n for n in d.notes)


def test_agreeing_sources_pick_the_first_exact(tmp_path: Path) -> None:
    write_files(tmp_path, {".python-version": "3.11\n", "pyproject.toml": '[project]\nrequires-python = ">=3.10"\n'})
    d = detect.detect(tmp_path)
    assert d.version == "3.11"
    assert [h.source for h in d.hints] == [".python-version", "pyproject.toml"]


def test_no_runtime_detected(tmp_path: Path) -> None:
    with pytest.raises(DetectionError, match="no runtime detected"):
        detect.detect(tmp_path)


def test_both_runtimes_need_a_choice(tmp_path: Path) -> None:
    write_files(tmp_path, {"package.json": "{}", "requirements.txt": ""})
    with pytest.raises(DetectionError, match="--language"):
        detect.detect(tmp_path)
    assert detect.detect(tmp_path, language="node").language == "node"


@pytest.mark.parametrize(
    ("files", "deps"),
    [
        ({"requirements.txt": "", "requirements-dev.txt": ""}, ("requirements.txt",)),
        ({"requirements-prod.txt": ""}, ("requirements-prod.txt",)),
        ({"pyproject.toml": "[project]\n", "uv.lock": ""}, ("pyproject.toml", "uv.lock")),
        ({"pyproject.toml": "[project]\n", "poetry.lock": ""}, ("pyproject.toml", "poetry.lock")),
        ({"package.json": "{}", "package-lock.json": "{}"}, ("package.json", "package-lock.json")),
        ({"package.json": "{}", "yarn.lock": ""}, ("package.json", "yarn.lock")),
        ({"package.json": "{}", "pnpm-lock.yaml": ""}, ("package.json", "pnpm-lock.yaml")),
    ],
)
def test_dependency_files(tmp_path: Path, files: dict[str, str], deps: tuple[str, ...]) -> None:
    write_files(tmp_path, {".python-version": "3.11", **files} if "package.json" not in files else files)
    assert detect.detect(tmp_path).dep_files == deps


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [
        ("18", ">=18", True),
        ("18", "^20", False),
        ("20", "^18 || ^20", True),
        ("16", ">=18.17", False),
        ("18", "18.x", True),
        ("18.19.0", "~18.2", False),
        ("18.2.5", "~18.2", True),
        ("20", "16 - 18", False),
    ],
)
def test_npm_ranges(version: str, spec: str, ok: bool) -> None:
    assert semver_satisfies(version, spec) is ok


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [("3.11", ">=3.11", True), ("3.11", ">=3.12", False), ("3.12", "==3.12.*", True), ("3.11.4", "<3.11.2", False)],
)
def test_python_ranges(version: str, spec: str, ok: bool) -> None:
    assert PythonRuntime().satisfies(version, spec) is ok
