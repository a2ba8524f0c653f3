"""The Go Dockerfile for each kind of module graph: a build never tries the
network unless a requirement needs it (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devparity import config, render
from tests.support import go_toml, write_files

TOML = go_toml("gorender")
NETWORK = "require golang.org/x/text v0.14.0\n"
LOCAL = "require example.com/greet v0.1.0\nreplace example.com/greet => ./greet\n"


def dockerfile(root: Path, files: dict[str, str]) -> str:
    write_files(root, {"devparity.toml": TOML, "main.go": "package main\n", **files})
    return render.render(config.load(root / "devparity.toml"))


@pytest.mark.parametrize(
    ("files", "download", "offline", "vendor"),
    [
        ({"go.mod": "module m\ngo 1.19\n"}, False, True, False),  # stdlib only
        ({"go.mod": "module m\ngo 1.19\n" + LOCAL}, False, True, False),  # a local module
        ({"go.mod": "module m\ngo 1.19\n" + NETWORK}, True, False, False),
        # vendored: never the network, even with a requirement from it
        (
            {"go.mod": "module m\ngo 1.19\n" + NETWORK, "vendor/modules.txt": "# golang.org/x/text v0.14.0\n"},
            False,
            True,
            True,
        ),
        # a local module beside a network one: go mod download would need the
        # local module's go.mod, not copied yet; the build downloads instead
        ({"go.mod": "module m\ngo 1.19\n" + NETWORK + LOCAL}, False, False, False),
    ],
)
def test_network_only_when_a_requirement_needs_it(
    tmp_path: Path, files: dict[str, str], download: bool, offline: bool, vendor: bool
) -> None:
    text = dockerfile(tmp_path, files)
    assert ("RUN go mod download" in text) is download
    assert ("GOPROXY=off" in text) is offline
    assert ("-mod=vendor" in text) is vendor
    assert "CGO_ENABLED=0" in text
    assert "RUN go build -trimpath -ldflags='-s -w' -o /opt/app/app ." in text
    # modules first, then the source: a source-only change reuses the download layer
    assert text.index('COPY ["go.mod", "./"]') < text.index("COPY . .") < text.index("RUN go build")
    assert text.rstrip().endswith('CMD ["/opt/app/app"]') and "USER app" in text
