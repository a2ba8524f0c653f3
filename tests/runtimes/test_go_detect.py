"""Go detection: version hints from go.mod, .go-version, .tool-versions and
mise.toml, their conflicts, dependency files and the offline build settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import detect
from devparity.errors import DetectionError
from devparity.runtimes import gomod
from devparity.runtimes.go import GoRuntime, main_package
from tests.support import write_files

GO_MOD = "module example.com/hello\n\ngo 1.19\n"


@pytest.mark.parametrize(
    ("files", "version", "source"),
    [
        ({"go.mod": GO_MOD}, "1.19", "go.mod"),
        ({"go.mod": "module m\ngo 1.20.3\n"}, "1.20", "go.mod"),  # the 1.20 line has 1.20.3
        ({"go.mod": "module m\n\ngo 1.21\n\ntoolchain go1.22.4\n"}, "1.22.4", "go.mod"),
        ({"go.mod": GO_MOD, ".go-version": "1.19.8\n"}, "1.19.8", ".go-version"),
        ({"go.mod": GO_MOD, ".tool-versions": "nodejs 20\ngolang 1.19.2\n"}, "1.19.2", ".tool-versions"),
        ({"go.mod": GO_MOD, "mise.toml": '[tools]\ngo = "1.20"\n'}, "1.20", "mise.toml"),
        ({".go-version": "go1.22\n"}, "1.22", ".go-version"),
    ],
)
def test_go_version_sources(tmp_path: Path, files: dict[str, str], version: str, source: str) -> None:
    write_files(tmp_path, files)
    d = detect.detect(tmp_path)
    assert d.language == "go"
    assert (d.version, d.source) == (version, source)


def test_go_line_is_a_minimum(tmp_path: Path) -> None:
    runtime = GoRuntime()
    assert runtime.satisfies("1.21", ">=1.20.3")
    assert runtime.satisfies("1.20", ">=1.20.3")  # the 1.20 line has 1.20.3
    assert not runtime.satisfies("1.20.1", ">=1.20.3")
    assert not runtime.satisfies("1.19", ">=1.20")


def test_toolchain_below_go_line_conflicts(tmp_path: Path) -> None:
    write_files(tmp_path, {"go.mod": "module m\ngo 1.21\n", ".go-version": "1.19\n"})
    with pytest.raises(DetectionError, match="disagree"):
        detect.detect(tmp_path)


def test_hint_files_disagree(tmp_path: Path) -> None:
    write_files(tmp_path, {"go.mod": GO_MOD, ".go-version": "1.20\n", "mise.toml": '[tools]\ngo = "1.21"\n'})
    with pytest.raises(DetectionError, match=".go-version says 1.20, mise.toml says 1.21"):
        detect.detect(tmp_path)
    d = detect.detect(tmp_path, version="1.21")
    assert d.version == "1.21" and any("overrides" in n for n in d.notes)


def test_go_and_python_markers_need_a_choice(tmp_path: Path) -> None:
    write_files(tmp_path, {"go.mod": GO_MOD, "requirements.txt": ""})
    with pytest.raises(DetectionError, match="both"):
        detect.detect(tmp_path)
    assert detect.detect(tmp_path, language="go").language == "go"


def test_dependency_files_and_defaults(tmp_path: Path) -> None:
    runtime = GoRuntime()
    write_files(tmp_path, {"go.mod": GO_MOD, "main.go": "package main\n"})
    assert runtime.dependency_files(tmp_path) == ["go.mod"]
    (tmp_path / "go.sum").write_text("")
    assert runtime.dependency_files(tmp_path) == ["go.mod", "go.sum"]
    assert runtime.default_base_image("1.19.8") == "golang:1.19"
    assert runtime.default_command(tmp_path) == ["/opt/app/app"]


def test_main_package(tmp_path: Path) -> None:
    write_files(tmp_path, {"go.mod": GO_MOD, "cmd/server/main.go": "package main\n", "internal/x.go": "package x\n"})
    assert main_package(tmp_path) == "./cmd/server"
    (tmp_path / "main.go").write_text("package main\n")
    assert main_package(tmp_path) == "."


GO_MOD_FULL = """\
module example.com/app // the module

go 1.21.0
toolchain go1.21.3

require example.com/single v1.2.3
require (
\tgolang.org/x/text v0.14.0 // indirect
\t"example.com/quoted" v0.1.0
\texample.com/greet v0.1.0
)

replace example.com/greet => ./greet
replace (
\texample.com/quoted v0.1.0 => ../quoted
\tgolang.org/x/text => golang.org/x/text v0.15.0
)
exclude example.com/bad v0.0.1
"""


def test_gomod_parse() -> None:
    mod = gomod.parse(GO_MOD_FULL)
    assert (mod.module, mod.go, mod.toolchain) == ("example.com/app", "1.21.0", "1.21.3")
    assert mod.requires == {
        "example.com/single": "v1.2.3",
        "golang.org/x/text": "v0.14.0",
        "example.com/quoted": "v0.1.0",
        "example.com/greet": "v0.1.0",
    }
    assert mod.local_replacements() == {"example.com/greet": "./greet", "example.com/quoted": "../quoted"}
    assert mod.network_requirements() == ["example.com/single", "golang.org/x/text"]


def test_gomod_garbage_is_skipped() -> None:
    mod = gomod.parse("require (\n\x00 junk\n)\ngo\nreplace => \nmodule\n")
    assert mod.go is None and mod.replaces == {}


def test_main_package_refuses_odd_names(tmp_path: Path) -> None:
    write_files(tmp_path, {"go.mod": GO_MOD, "cmd/x\nRUN evil/main.go": "package main\n"})
    assert main_package(tmp_path) == "."
