"""The sample projects the conformance test runs every runtime through
(tests/runtimes/samples/<runtime>/, see its README), and the checks on a
rendered Dockerfile."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from devparity import toml

SAMPLES = Path(__file__).parent / "samples"
# What a rendered Dockerfile may hold: the classic builder's instructions.
INSTRUCTIONS = {"FROM", "RUN", "CMD", "ENV", "WORKDIR", "COPY", "USER", "EXPOSE", "ARG", "LABEL", "ENTRYPOINT"}


@dataclass(frozen=True)
class Sample:
    runtime: str
    root: Path  # the pristine sample; copy it before use
    edit: str  # the file whose "v1" becomes "v2"
    ecosystem: str
    package: str

    def copy_to(self, dest: Path) -> Path:
        shutil.copytree(self.root, dest, ignore=shutil.ignore_patterns("sample.toml"), dirs_exist_ok=True)
        return dest


def sample(runtime: str) -> Sample:
    root = SAMPLES / runtime
    meta = toml.loads((root / "sample.toml").read_text())
    ecosystem, _, package = str(meta["package"]).partition(":")
    return Sample(runtime, root, str(meta["edit"]), ecosystem, package)


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: comments and blank lines
    dropped, backslash continuations joined, as the builder reads them."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.split("\n"):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical, pending = pending + line, ""
        word, _, rest = logical.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends in a continuation"
    return out


def with_ports(toml: str, container: int, dev: int, prod: int) -> str:
    """A devparity.toml written by init with free host ports and PORT set."""
    toml = re.sub(r'^env = \{ APP_ENV = "production" \}$', f'env = {{ APP_ENV = "production", PORT = "{container}" }}', toml, flags=re.M)
    toml = toml.replace("[dev]\n", f'[dev]\nports = {{ "{container}" = {dev} }}\n', 1)
    assert "[prod]" not in toml
    return toml + f'\n[prod]\nports = {{ "{container}" = {prod} }}\n'
