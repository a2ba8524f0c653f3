"""CycloneDX SBOMs of fingerprints: package URLs, the 1.6 schema (the
library's strict validator), reproducible bytes, and the way back for diff."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from devparity import sbom
from devparity.errors import UsageError
from devparity.sbom import cyclonedx, read
from tests.support import fingerprint, run_cli

PACKAGES = {
    "dpkg": {"bash": "5.2.15-2+b2", "libc6": "2.36-9"},
    "pip": {"Flask": "3.0.0", "requests": "2.31.0", "typing_extensions": "4.9.0"},
    "npm": {"@types/node": "20.1.0", "left-pad": "1.3.0"},
    "go": {"golang.org/x/text": "v0.14.0"},
}


def fp(**over: Any) -> dict[str, Any]:
    return fingerprint(**{"packages": PACKAGES, "runtimes": {"python": "3.11.9", "node": "18.19.0"}, **over})


def purls(doc: dict[str, Any]) -> set[str]:
    return {c["purl"] for c in doc["components"] if "purl" in c}


def validate(text: str) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error


def test_every_ecosystem_gets_its_package_url() -> None:
    doc = json.loads(cyclonedx.dumps(fp()))
    assert {
        "pkg:deb/debian/bash@5.2.15-2%2Bb2?distro=debian-12",
        "pkg:pypi/flask@3.0.0",  # purl-spec: pypi names lowercased, _ as -
        "pkg:pypi/typing-extensions@4.9.0",
        "pkg:npm/%40types/node@20.1.0",
        "pkg:npm/left-pad@1.3.0",
        "pkg:golang/golang.org/x/text@v0.14.0",
        "pkg:generic/python@3.11.9",
    } <= purls(doc)
    assert doc["specVersion"] == "1.6" and doc["bomFormat"] == "CycloneDX"
    assert doc["metadata"]["component"]["type"] == "container"
    os_parts = [c for c in doc["components"] if c["type"] == "operating-system"]
    assert [(c["name"], c["version"]) for c in os_parts] == [("debian", "12")]


def test_it_validates_against_the_1_6_schema_with_and_without_a_timestamp() -> None:
    validate(cyclonedx.dumps(fp()))
    stamped = cyclonedx.dumps(fp(), timestamp=datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc), serial=True)
    validate(stamped)
    doc = json.loads(stamped)
    assert doc["metadata"]["timestamp"].startswith("2026-01-02") and doc["serialNumber"].startswith("urn:uuid:")


def test_the_validator_is_strict_enough_to_fail() -> None:
    doc = json.loads(cyclonedx.dumps(fp()))
    doc["components"][0]["type"] = "not-a-type"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None


def test_the_same_fingerprint_gives_the_same_bytes() -> None:
    a, b = cyclonedx.dumps(fp()), cyclonedx.dumps(fp())
    assert a == b
    doc = json.loads(a)
    assert "serialNumber" not in doc and "timestamp" not in doc["metadata"]


def test_an_sbom_reads_back_as_the_fingerprint_it_was_made_from() -> None:
    original = fp()
    back = read.to_fingerprint(json.loads(cyclonedx.dumps(original)), "sbom.json")
    assert back["packages"] == PACKAGES
    assert back["runtimes"] == original["runtimes"]
    assert back["os"] == original["os"]
    assert back["image_id"] == original["image_id"]


def test_an_sbom_another_tool_wrote_is_read_by_its_purls() -> None:
    foreign = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [
            {"type": "library", "name": "requests", "version": "2.31.0", "purl": "pkg:pypi/requests@2.31.0"},
            {"type": "library", "name": "node", "version": "20.1.0", "purl": "pkg:npm/%40types/node@20.1.0"},
            {"type": "library", "name": "bash", "version": "5.2", "purl": "pkg:deb/debian/bash@5.2?arch=amd64"},
            {"type": "library", "name": "thing", "version": "1", "purl": "pkg:cargo/thing@1"},
            {"type": "operating-system", "name": "debian", "version": "12"},
        ],
    }
    back = read.to_fingerprint(foreign, "syft.json")
    assert back["packages"] == {
        "pip": {"requests": "2.31.0"},
        "npm": {"@types/node": "20.1.0"},
        "dpkg": {"bash": "5.2"},
        "cargo": {"thing": "1"},
    }
    assert back["os"]["id"] == "debian" and back["os"]["version_id"] == "12"


@pytest.mark.parametrize(
    "doc",
    [
        {"bomFormat": "CycloneDX", "components": "many"},
        {"bomFormat": "CycloneDX", "components": [{"version": "1"}]},
        {"bomFormat": "CycloneDX", "components": [{"name": "x", "purl": "not a purl"}]},
        {"bomFormat": "CycloneDX", "metadata": "x", "components": []},
        {"bomFormat": "CycloneDX", "components": [{"name": "x", "version": 3}]},
    ],
)
def test_a_malformed_sbom_is_an_input_error(doc: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        read.to_fingerprint(doc, "bad.json")


def test_ecosystems_and_purl_types_map_both_ways() -> None:
    for ecosystem in ("dpkg", "apk", "pip", "npm", "go"):
        assert sbom.ecosystem_of(sbom.purl_type(ecosystem)) == ecosystem
    assert sbom.purl_type("nuget-someday") == "generic"


def test_snapshot_writes_an_sbom_and_diff_compares_sboms_and_snapshots(tmp_path: Path) -> None:
    snap = tmp_path / "a.json"
    snap.write_text(json.dumps(fp()))
    r = run_cli("snapshot", str(snap), "--format", "cyclonedx", "-o", str(tmp_path / "a.cdx.json"))
    assert r.exit_code == 0, r.output
    validate((tmp_path / "a.cdx.json").read_text())
    # stdout carries the same document
    assert json.loads(run_cli("snapshot", str(snap), "--format", "cyclonedx").stdout) == json.loads(
        (tmp_path / "a.cdx.json").read_text()
    )
    assert run_cli("diff", str(snap), str(tmp_path / "a.cdx.json")).exit_code == 0
    newer = fp(packages={**PACKAGES, "pip": {**PACKAGES["pip"], "requests": "2.32.0"}})
    (tmp_path / "b.json").write_text(json.dumps(newer))
    assert run_cli("snapshot", str(tmp_path / "b.json"), "--format", "cyclonedx", "-o", str(tmp_path / "b.cdx.json")).exit_code == 0
    r = run_cli("diff", str(tmp_path / "a.cdx.json"), str(tmp_path / "b.cdx.json"))
    assert r.exit_code == 1
    assert "~ pip requests 2.31.0 -> 2.32.0" in r.stdout
    assert run_cli("diff", str(snap), str(tmp_path / "b.cdx.json")).exit_code == 1


def test_sbom_timestamp_needs_an_sbom_format(tmp_path: Path) -> None:
    snap = tmp_path / "a.json"
    snap.write_text(json.dumps(fp()))
    r = run_cli("snapshot", str(snap), "--sbom-timestamp")
    assert r.exit_code == 2 and "--format cyclonedx" in r.stderr


def _with_services(redis: str = "7.2.4") -> dict[str, Any]:
    db = fingerprint(packages={"dpkg": {"bash": "5.2.15-2+b2", "postgresql-15": "15.6-0+deb12u1"}}, runtimes={})
    cache = fingerprint(packages={"dpkg": {"bash": "5.2.15-2+b2", "redis-server": redis}}, runtimes={})
    return fp(services={"db": {"image_id": "sha256:" + "d" * 64, "fingerprint": db},
                        "cache": {"image_id": None, "fingerprint": cache}})


def test_services_are_containers_with_their_own_packages_nested() -> None:
    text = cyclonedx.dumps(_with_services())
    validate(text)  # the app's and a service's bash have distinct bom-refs
    doc = json.loads(text)
    services = {c["name"]: c for c in doc["components"] if c["type"] == "container"}
    assert set(services) == {"db", "cache"}
    assert services["db"]["version"] == "sha256:" + "d" * 64 and "version" not in services["cache"]
    nested = {c.get("purl") for c in services["db"]["components"]}
    assert "pkg:deb/debian/postgresql-15@15.6-0%2Bdeb12u1?distro=debian-12" in nested
    back = read.to_fingerprint(doc, "s.json")
    assert back["services"]["cache"]["fingerprint"]["packages"]["dpkg"]["redis-server"] == "7.2.4"
    assert back["services"]["db"]["image_id"] == "sha256:" + "d" * 64


def test_diff_names_a_service_package_that_moved(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_with_services()))
    (tmp_path / "b.cdx.json").write_text(cyclonedx.dumps(_with_services(redis="7.2.5")))
    (tmp_path / "a.cdx.json").write_text(cyclonedx.dumps(_with_services()))
    assert run_cli("diff", str(tmp_path / "a.json"), str(tmp_path / "a.cdx.json")).exit_code == 0
    r = run_cli("diff", str(tmp_path / "a.json"), str(tmp_path / "b.cdx.json"))
    assert r.exit_code == 1
    assert "cache package redis-server" in r.stdout and "7.2.5" in r.stdout, r.stdout
