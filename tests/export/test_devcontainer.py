"""devcontainer.json from the dev spec (pure; the real Dev Containers CLI
runs it in tests/integration/test_export_devcontainer.py)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from devparity import config as config_mod
from devparity.commands.export import write_export
from devparity.errors import UsageError
from devparity.export import APP_LOG, MARKER, ImageChoice, background_line, choose_image, dev_start_script
from devparity.export import devcontainer
from tests.support import go_toml

IMAGE_ID = "sha256:" + "b" * 64
DIGEST = "sha256:" + "c" * 64
TOML = """\
[project]
name = "shop"

[runtime]
language = "python"
version = "3.11"

[app]
command = ["python", "app.py"]
ports = [8000, 9100]
env = { APP_ENV = "production", PORT = "8000" }

[dev]
command = "python app.py --debug"
env = { APP_ENV = "development" }
ports = { 8000 = 18000 }
"""


def load(tmp_path: Path, text: str = TOML) -> config_mod.Config:
    (tmp_path / "devparity.toml").write_text(text)
    return config_mod.load(tmp_path / "devparity.toml")


def local(image_id: str = IMAGE_ID) -> ImageChoice:
    return choose_image(None, image_id)


def test_the_document_mirrors_the_dev_container(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    doc = devcontainer.document(cfg, local(), uid=1234, gid=99)
    assert doc["image"] == IMAGE_ID
    assert doc["workspaceMount"] == "source=${localWorkspaceFolder},target=/app,type=bind"
    assert doc["workspaceFolder"] == "/app"
    # dev env overlaid on [app].env, HOME writable as in `up`; no supervisor variables
    assert doc["containerEnv"] == {"APP_ENV": "development", "PORT": "8000", "HOME": "/tmp/devparity-home"}
    # published on loopback by appPort (the CLI ignores forwardPorts), [dev].ports honoured
    assert doc["appPort"] == ["127.0.0.1:18000:8000", "127.0.0.1:9100:9100"]
    assert doc["containerUser"] == doc["remoteUser"] == "1234:99"
    assert doc["updateRemoteUserUID"] is False
    assert "--security-opt=no-new-privileges" in doc["runArgs"]
    assert "--tmpfs=/tmp/devparity-home:rw,exec,mode=1777" in doc["runArgs"]
    assert "mounts" not in doc  # no build-cache volumes for Python


def test_post_start_backgrounds_the_dev_command_with_its_output_in_a_log(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    line = devcontainer.document(cfg, local(), uid=1, gid=1)["postStartCommand"]
    assert line == background_line(cfg)
    assert line.startswith("cd /app && setsid /bin/sh -c ")
    assert line.endswith(f"</dev/null >{APP_LOG} 2>&1 &")
    # the string command runs through /bin/sh -c, as `up` and the image's CMD run it
    assert shlex.split(line)[6] == "exec /bin/sh -c 'python app.py --debug'"


def test_a_compiled_runtime_builds_before_it_starts_and_keeps_its_cache_volumes(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/hello\n\ngo 1.19\n")
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    cfg = load(tmp_path, go_toml("gohello", extra='\n[dev]\ncommand = ["/opt/app-dev/app"]\n'))
    script = dev_start_script(cfg)
    assert "go build" in script and script.endswith("&& exec /opt/app-dev/app")
    doc = devcontainer.document(cfg, local(), uid=1, gid=1)
    assert any(m.endswith(",target=/go/pkg/mod,type=volume") for m in doc["mounts"])


def test_render_says_which_image_above_it_and_reads_back(tmp_path: Path) -> None:
    cfg = load(tmp_path)
    image = local()
    doc = devcontainer.document(cfg, image, uid=1, gid=1)
    text = devcontainer.render(doc, image)
    lines = text.splitlines()
    assert MARKER in lines[0]
    at = next(i for i, line in enumerate(lines) if line.startswith('  "image": '))
    assert "local id" in lines[at - 1] and lines[at - 1].lstrip().startswith("//")
    assert devcontainer.parse(text) == doc


def test_a_release_of_this_image_is_named_by_digest_another_is_not() -> None:
    release = {"ref": f"127.0.0.1:5000/shop@{DIGEST}", "image_id": IMAGE_ID}
    chosen = choose_image({"release": release}, IMAGE_ID)
    assert chosen == ImageChoice(f"127.0.0.1:5000/shop@{DIGEST}", IMAGE_ID, released=True)
    assert "released" in chosen.note() and DIGEST in chosen.note()
    by_parts = {"repository": "registry.example/shop", "digest": DIGEST, "image_id": IMAGE_ID}
    assert choose_image({"release": by_parts}, IMAGE_ID).ref == f"registry.example/shop@{DIGEST}"
    # a release of an older build is not the image the lock pins now
    assert choose_image({"release": release}, "sha256:" + "d" * 64).released is False
    assert choose_image({"release": {"ref": "shop:latest", "image_id": IMAGE_ID}}, IMAGE_ID).released is False


def test_an_existing_file_devparity_did_not_write_is_kept_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / ".devcontainer" / "devcontainer.json"
    path.parent.mkdir()
    path.write_text('{"image": "team/own"}\n')
    with pytest.raises(UsageError, match="not written by devparity export"):
        write_export(path, f"// {MARKER}\n{{}}\n", force=False)
    assert path.read_text() == '{"image": "team/own"}\n'
    write_export(path, f"// {MARKER}\n{{}}\n", force=True)
    write_export(path, f"// {MARKER}\n{{\"x\": 1}}\n", force=False)  # ours now: replaced freely
    assert '"x": 1' in path.read_text()
