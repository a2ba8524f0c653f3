"""The CI recipes (docs/ci.md, examples/ci/): valid YAML, the same text in
the doc as in the example files, and every devparity command they run
exists with those flags (run with --help through the CLI) and those values."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import REPO, run_cli

EXAMPLES = REPO / "examples" / "ci"
RECIPES = sorted(EXAMPLES.glob("*.yml"))


def shell_lines(doc: Any) -> list[str]:
    """Every shell line of a workflow: GitHub steps' `run`, GitLab jobs' `script`."""
    lines: list[str] = []
    for job in (doc.get("jobs") or {}).values():
        lines += [line for step in job.get("steps", []) for line in str(step.get("run", "")).splitlines()]
    for name, job in doc.items():
        if isinstance(job, dict) and "script" in job and name != "jobs":
            lines += [str(line) for line in job["script"]]
    return lines


def devparity_commands(path: Path) -> list[list[str]]:
    """The argv of each `devparity ...` line, up to a redirection or pipe."""
    out = []
    for line in shell_lines(yaml.safe_load(path.read_text())):
        words = shlex.split(line, comments=True)
        if words[:1] == ["devparity"]:
            cut = next((i for i, w in enumerate(words) if w in (">", ">>", "|", "&&", "||", ";")), len(words))
            out.append(words[1:cut])
    return out


def test_there_is_a_github_workflow_and_a_gitlab_job() -> None:
    names = {p.name for p in RECIPES}
    assert {"github-actions.yml", "gitlab-ci.yml"} <= names
    gh = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    assert any("upload-artifact" in str(s.get("uses", "")) for s in gh["jobs"]["parity"]["steps"])
    gl = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    assert gl["devparity"]["artifacts"]["reports"]["junit"] == "devparity-report.xml"


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_each_recipe_runs_lock_check_and_a_ci_format(path: Path) -> None:
    commands = devparity_commands(path)
    assert ["lock", "--check"] in commands
    formats = {c[c.index("--format") + 1] for c in commands if c[:1] == ["check"] and "--format" in c}
    assert formats & {"github", "junit"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_devparity_command_exists_with_those_flags_and_values(path: Path, tmp_path: Path) -> None:
    commands = devparity_commands(path)
    assert commands
    for words in commands:
        r = run_cli(*words, "--help")
        assert r.exit_code == 0, f"devparity {' '.join(words)} --help: {r.output}"
        # --help stops before values are checked: run it where there is no
        # project, so it gets past the parser (a bad value is Click's usage
        # error) and stops at the missing devparity.toml
        r = run_cli(*words, cwd=tmp_path)
        assert r.exit_code == 2 and "no devparity.toml" in r.stderr, f"devparity {' '.join(words)}: {r.output}"


def test_the_doc_shows_the_example_files_as_they_are() -> None:
    doc = (REPO / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    for path in RECIPES:
        assert path.read_text() in blocks, f"docs/ci.md does not show {path.name} as it is"


def test_a_flag_or_value_that_does_not_exist_is_caught(tmp_path: Path) -> None:
    assert run_cli("check", "--format-typo", "github", "--help").exit_code != 0
    r = run_cli("check", "--format", "gitlab", cwd=tmp_path)
    assert "no devparity.toml" not in r.stderr
