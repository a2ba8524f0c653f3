from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from devparity import config, render
from devparity.errors import ConfigError, LockError
from tests.support import python_project, write_files


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


def process_word(text: str) -> str:
    """The builder's word processing (moby's shell lexer) for what `word`
    emits: backslash escapes, single quotes literal, `$` outside quotes is
    an expansion (an error here: `word` must never leave one)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            out.append(text[i + 1])
            i += 2
        elif ch == "'":
            end = text.index("'", i + 1)
            out.append(text[i + 1 : end])
            i = end + 1
        elif ch in '"$` \t':
            raise AssertionError(f"unquoted {ch!r} in {text!r}")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


TRICKY = [
    "", "plain", "a b", "it's", "'", "''", "\\", "ends\\", 'say "hi"', "$HOME ${X:-y} $$", "`id` $(id)",
    "x # y = z", "é 日本 🎉", "\\n \\u00e9", "a\tb", "=", "-", "--flag=1", "a'b'c'",
]


def test_word_round_trips_through_the_builder() -> None:
    import random

    rng = random.Random(7)
    alphabet = "ab '\"\\$`#=;|&{}()[]*?~!\t é🎉-_/.:@%+,"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(500)]
    for value in TRICKY + fuzz:
        quoted = render.word(value)
        assert "\n" not in quoted and not quoted.endswith("\\")
        assert process_word(quoted) == value, (value, quoted)
    assert render.word("production") == "production"  # plain values stay readable


def test_env_values_are_builder_words(tmp_path: Path) -> None:
    root = python_project(tmp_path, "shop")
    toml = root / "devparity.toml"
    text = toml.read_text().replace('env = { APP_ENV = "production", PORT = "8000" }', 'env = { A = "$HOME \\"x\\" \'y\' \\\\", B = "", PORT = "8000" }')
    toml.write_text(text)
    out = render.render(load(root))
    assert "ENV A='$HOME \"x\" '\\''y'\\'' \\' \\\n    B='' \\\n    PORT=8000" in out


def write_toml(root: Path, old: str, new: str) -> config.Config:
    toml = root / "devparity.toml"
    toml.write_text(toml.read_text().replace(old, new, 1))
    return load(root)


REFUSED = [
    ("env value newline", 'APP_ENV = "production"', 'APP_ENV = "x\\nUSER root"', "app.env.APP_ENV"),
    ("env value U+2028", 'APP_ENV = "production"', 'APP_ENV = "x\\u2028USER root"', "app.env.APP_ENV"),
    ("env value NEL", 'APP_ENV = "production"', 'APP_ENV = "x\\u0085USER root"', "app.env.APP_ENV"),
    ("env name", 'APP_ENV = "production"', '"A B" = "x"', "app.env"),
    ("arg name", "[dev]", '[build]\nargs = { "X=1\\nRUN id" = "v" }\n[dev]', "build.args"),
    ("workdir newline", 'ports = [8000]', 'ports = [8000]\nworkdir = "/app\\nUSER root"', "app.workdir"),
    ("user newline", 'ports = [8000]', 'ports = [8000]\nuser = "app\\nUSER root"', "app.user"),
    ("install newline", 'files = ["requirements.txt"]', 'files = ["requirements.txt"]\ninstall = "true\\nUSER root"', "dependencies.install"),
    ("install trailing backslash", 'files = ["requirements.txt"]', 'files = ["requirements.txt"]\ninstall = "true \\\\"', "dependencies.install"),
    ("system package newline", 'version = "3.11"', 'version = "3.11"\nsystem_packages = ["curl\\nUSER root"]', "runtime.system_packages"),
    ("dependency glob", 'files = ["requirements.txt"]', 'files = ["req*.txt"]', "dependencies.files"),
    ("base image newline", 'version = "3.11"', 'version = "3.11"\nbase_image = "python:3.11\\nUSER root"', "runtime.base_image"),
]


@pytest.mark.parametrize(("old", "new", "key"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_values_a_dockerfile_cannot_carry_are_refused(tmp_path: Path, old: str, new: str, key: str) -> None:
    try:
        cfg = write_toml(python_project(tmp_path, "shop"), old, new)
    except ConfigError:
        return  # refused at the config boundary already: as good
    with pytest.raises(ConfigError, match=f"`{re.escape(key)}`") as exc:
        render.render(cfg)
    assert "USER root" not in str(exc.value) and "RUN id" not in str(exc.value)


def test_shell_words_are_quoted(tmp_path: Path) -> None:
    """The second line of defence: values the config boundary would refuse
    are still quoted for the shell and the builder when they reach render."""
    cfg = load(python_project(tmp_path, "shop"))
    cfg = replace(cfg, dep_files=("x.txt;echo X;.txt",), system_packages=("curl; echo $(id)",), user="app; echo X")
    lines = render.render(cfg).splitlines()
    assert "RUN pip install --no-cache-dir -r 'x.txt;echo X;.txt'" in lines
    assert "RUN apt-get update && apt-get install -y --no-install-recommends 'curl; echo $(id)' && rm -rf /var/lib/apt/lists/*" in lines
    assert "RUN useradd --create-home --uid 10001 --user-group 'app; echo X'" in lines
    assert "USER 'app; echo X'" in lines
    assert """COPY ["'x.txt;echo X;.txt'", "./"]""" in lines


def test_command_control_characters_stay_on_one_line(tmp_path: Path) -> None:
    cfg = replace(load(python_project(tmp_path, "shop")), command=["python", "-c", "print(1)\nprint(2)\u2028"])
    out = render.render(cfg)
    assert 'CMD ["python", "-c", "print(1)\\nprint(2)\\u2028"]' in out.split("\n")


def test_a_malformed_digest_never_reaches_from(tmp_path: Path) -> None:
    cfg = load(python_project(tmp_path, "shop"))
    with pytest.raises(LockError, match="base.digest"):
        render.render(cfg, digest="sha256:abc\nRUN curl x | sh")
