"""A CycloneDX SBOM of a real image (issue 11's must-show): it validates
against the 1.6 schema and lists the project's pip packages, the OS packages
and the runtime with their package URLs; diff reads it back."""

from __future__ import annotations

import json
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from devparity import builder, plan, project
from tests.support import python_project, run_cli


def test_an_image_sbom_validates_and_lists_the_pip_packages(project_name: str, tmp_path: Path) -> None:
    root = python_project(tmp_path, project_name, requirements="six==1.16.0\n")
    assert run_cli("lock", cwd=root).exit_code == 0
    sbom_path = tmp_path / "sbom.cdx.json"
    r = run_cli("snapshot", "lock", "--format", "cyclonedx", "-o", str(sbom_path), cwd=root)
    assert r.exit_code == 0, r.output
    text = sbom_path.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    purls = {c.get("purl", "") for c in doc["components"]}
    assert "pkg:pypi/six@1.16.0" in purls
    assert any(p.startswith("pkg:deb/debian/bash@") and "distro=debian-12" in p for p in purls)
    assert any(p.startswith("pkg:generic/python@3.11.") for p in purls)

    # the image itself gives the same packages, byte for byte reproducibly
    image_id = builder.find_existing(plan.for_project(project.load(root)), with_source=False)
    assert image_id
    first = run_cli("snapshot", image_id, "--format", "cyclonedx", cwd=root)
    again = run_cli("snapshot", image_id, "--format", "cyclonedx", cwd=root)
    assert first.exit_code == 0 and first.stdout == again.stdout
    assert "pkg:pypi/six@1.16.0" in first.stdout
    # and diff reads the SBOM back: the lock and its SBOM hold the same packages
    same = run_cli("diff", "lock", str(sbom_path), cwd=root)
    assert same.exit_code == 0, same.stdout
