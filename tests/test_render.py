from __future__ import annotations

from pathlib import Path

from devparity import config, render
from tests.helpers import python_project, write_files


def load(root: Path) -> config.Config:
    return config.load(root / "devparity.toml")


def test_python_dockerfile_orders_dependencies_before_source(tmp_path: Path) -> None:
    cfg = load(python_project(tmp_path, "shop"))
    text = render.render(cfg)
    lines = text.splitlines()
    assert next(line for line in lines if line.startswith("FROM")) == "FROM python:3.11-slim"
    copy_deps = lines.index('COPY ["requirements.txt", "./"]')
    install = lines.index("RUN pip install --no-cache-dir -r requirements.txt")
    copy_src = lines.index("COPY . .")
    assert copy_deps < install < copy_src
    assert "ENV VIRTUAL_ENV=/opt/venv \\" in lines
    assert "USER app" in lines
    assert 'CMD ["python", "app.py"]' in lines
    assert "EXPOSE 8000" in lines


def test_pinned_digest_replaces_the_tag(tmp_path: Path) -> None:
    cfg = load(python_project(tmp_path, "shop", extra_toml='[build]\nargs = { PIP_INDEX = "x" }\n'))
    digest = "sha256:" + "a" * 64
    text = render.render(cfg, digest=digest)
    assert f"FROM python@{digest}" in text
    assert "ARG PIP_INDEX" in text
    assert render.from_reference(cfg, None) == "python:3.11-slim"


def test_registry_with_port_keeps_host(tmp_path: Path) -> None:
    root = python_project(tmp_path, "shop")
    text = (root / "devparity.toml").read_text().replace('version = "3.11"', 'version = "3.11"\nbase_image = "127.0.0.1:5000/py:3.11"')
    (root / "devparity.toml").write_text(text)
    assert render.from_reference(load(root), "sha256:" + "b" * 64) == "127.0.0.1:5000/py@sha256:" + "b" * 64


def test_string_command_and_system_packages(tmp_path: Path) -> None:
    root = python_project(tmp_path, "shop")
    text = (root / "devparity.toml").read_text()
    text = text.replace('command = ["python", "app.py"]', 'command = "python app.py --port $PORT"')
    text = text.replace('version = "3.11"', 'version = "3.11"\nsystem_packages = ["curl", "git"]')
    (root / "devparity.toml").write_text(text)
    out = render.render(load(root))
    assert 'CMD ["/bin/sh", "-c", "python app.py --port $PORT"]' in out
    assert "apt-get install -y --no-install-recommends curl git" in out


def test_node_template(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "package.json": "{}",
            "package-lock.json": "{}",
            "devparity.toml": """\
                [runtime]
                language = "node"
                version = "18"
                [dependencies]
                files = ["package.json", "package-lock.json"]
                [app]
                command = ["node", "server.js"]
                ports = [3000]
                """,
        },
    )
    out = render.render(load(tmp_path))
    assert "FROM node:18-slim" in out
    assert "RUN npm ci && ln -sfn /opt/deps/node_modules /node_modules" in out
    assert out.index("WORKDIR /opt/deps") < out.index("RUN npm ci") < out.index("COPY . .")


def test_templates_found_and_hashed() -> None:
    assert (render.templates_dir() / "python.Dockerfile").is_file()
    assert render.template_hash("python").startswith("sha256:")
    assert render.template_hash("python") != render.template_hash("node")
