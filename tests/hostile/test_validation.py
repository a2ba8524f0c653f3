"""Hostile corpus, validation part (issue 7): config values that would inject
Dockerfile lines or shell, values that cannot work, dependency files that
point anywhere, undecodable inputs, closed pipes and torn writes.

Every case runs devparity as a process and holds it to the harness's bar
(exit code, one stderr line, no traceback, no secret, nothing left behind).
No case needs the engine: DOCKER_HOST points nowhere, so a case that got
past validation to the engine would exit 3 and fail.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.harness import BASE_TOML, assert_clean, listing, make_project, run
from tests.support.cli import Result, cli_process, command, process_env

NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/devparity-hostile.sock"}
SECRET = "hunter2-Sup3rS3cret-value"


def with_line(section: str, line: str, toml: str = BASE_TOML) -> str:
    """``toml`` with ``line`` in ``[section]`` (the section added when absent)."""
    header = f"[{section}]\n"
    if header in toml:
        return toml.replace(header, header + line + "\n", 1)
    return toml + f"\n{header}{line}\n"


def replace(old: str, new: str) -> str:
    assert old in BASE_TOML
    return BASE_TOML.replace(old, new)


# (id, devparity.toml, key the error must name, secret that must not appear)
CONFIG_CASES = [
    # control characters: each would add a Dockerfile line (USER root)
    ("newline-base-image", with_line("runtime", 'base_image = "python:3.11-slim\\nUSER root"'), "runtime.base_image", ""),
    ("newline-system-packages", with_line("runtime", 'system_packages = ["curl\\nUSER root"]'), "runtime.system_packages", ""),
    ("newline-workdir", with_line("app", 'workdir = "/app\\nUSER root"'), "app.workdir", ""),
    ("newline-user", with_line("app", 'user = "app\\nUSER root"'), "app.user", ""),
    ("newline-install", with_line("dependencies", 'install = "pip install -r requirements.txt\\nUSER root"'), "dependencies.install", ""),
    ("newline-build-arg-key", with_line("build", 'args = { "X\\nUSER root" = "1" }'), "build.args", ""),
    ("newline-env-key", replace('env = { APP_ENV = "production" }', 'env = { "A\\nUSER root" = "1" }'), "app.env", ""),
    ("newline-env-value", replace('env = { APP_ENV = "production" }', f'env = {{ DB_PASSWORD = "{SECRET}\\nUSER root" }}'), "app.env", SECRET),
    ("nul-in-dev-env", with_line("dev", f'env = {{ TOKEN = "{SECRET}\\u0000" }}'), "dev.env", SECRET),
    ("tab-in-command-arg", replace('command = ["python", "app.py"]', 'command = ["python", "app.py\\t--x"]'), "app.command", ""),
    ("bell-in-unknown-key", with_line("app", '"a\\u0007b" = 1'), "[app]", ""),
    ("line-separator-in-version", replace('version = "3.11"', 'version = "3.11\\u2028RUN x"'), "runtime.version", ""),
    ("crlf-in-reload", with_line("dev", 'reload = "restart\\r\\n"'), "dev.reload", ""),
    # shell metacharacters in values that reach a RUN line
    ("shell-in-system-package", with_line("runtime", 'system_packages = ["curl; echo $(id)"]'), "runtime.system_packages", ""),
    ("shell-in-user", with_line("app", 'user = "app; echo X"'), "app.user", ""),
    ("user-root", with_line("app", 'user = "root"'), "app.user", ""),
    ("shell-in-dependency-file-name", replace('files = ["requirements.txt"]', 'files = ["x.txt;echo X;.txt"]'), "dependencies.files", ""),
    ("env-name-not-posix", replace('env = { APP_ENV = "production" }', 'env = { "1BAD-NAME" = "x" }'), "app.env", ""),
    ("build-arg-name-with-space", with_line("build", 'args = { "A B" = "1" }'), "build.args", ""),
    # wrong types never print the table (it holds secrets)
    ("env-as-list-with-secret", replace('env = { APP_ENV = "production" }', f'env = ["DB_PASSWORD={SECRET}"]'), "app.env", SECRET),
    ("dev-env-non-string", with_line("dev", f'env = {{ TOKEN = "{SECRET}", N = 1 }}'), "dev.env", SECRET),
    ("build-args-as-string", with_line("build", f'args = "API_KEY={SECRET}"'), "build.args", SECRET),
    ("allow-with-secret-wrong-shape", with_line("check", f'allow = ["{SECRET}"]'), "check.allow", SECRET),
    # references and names
    ("base-image-short-digest", with_line("runtime", 'base_image = "python@sha256:abc"'), "runtime.base_image", ""),
    ("base-image-uppercase", with_line("runtime", 'base_image = "Python:3.11"'), "runtime.base_image", ""),
    ("project-name-trailing-dot", replace('name = "hostile"', 'name = "hello."'), "project.name", ""),
    ("project-name-double-dot", replace('name = "hostile"', 'name = "a..b"'), "project.name", ""),
    ("project-name-trailing-dash", replace('name = "hostile"', 'name = "x-"'), "project.name", ""),
    ("project-name-300-chars", replace('name = "hostile"', f'name = "{"a" * 300}"'), "project.name", ""),
    # ports after defaults
    ("prod-port-above-range", replace("ports = [8000]", "ports = [65000]"), "prod.ports", ""),
    ("app-port-zero", replace("ports = [8000]", "ports = [0]"), "app.ports", ""),
    ("duplicate-ports", replace("ports = [8000]", "ports = [8000, 8000]"), "app.ports", ""),
    ("dev-prod-host-port-collision", replace("ports = [8000]", "ports = [8000, 9000]"), "prod.ports", ""),
    ("dev-port-key-not-in-app-ports", with_line("dev", 'ports = { "8001" = 8001 }'), "dev.ports", ""),
    ("dev-port-key-arabic-digits", with_line("dev", 'ports = { "٨٠٠٠" = 8000 }'), "dev.ports", ""),
    ("prod-host-port-out-of-range", with_line("prod", 'ports = { "8000" = 70000 }'), "prod.ports", ""),
    ("host-not-an-ip", with_line("dev", 'host = "example.com"'), "dev.host", ""),
    # reload
    ("reload-trailing-newline", with_line("dev", 'reload = "restart\\n"'), "dev.reload", ""),
    ("reload-unknown-signal", with_line("dev", 'reload = "signal:NOTASIG"'), "dev.reload", ""),
    # source (issue 9)
    ("source-unknown", with_line("dev", 'source = "rsync"'), "dev.source", ""),
    ("source-not-a-string", with_line("dev", "source = true"), "dev.source", ""),
    ("source-trailing-newline", with_line("dev", 'source = "sync\\n"'), "dev.source", ""),
    # workdir
    ("workdir-venv", with_line("app", 'workdir = "/opt/venv"'), "app.workdir", ""),
    ("workdir-above-venv", with_line("app", 'workdir = "/opt"'), "app.workdir", ""),
    ("workdir-usr-lib", with_line("app", 'workdir = "/usr/lib"'), "app.workdir", ""),
    ("workdir-root", with_line("app", 'workdir = "/"'), "app.workdir", ""),
    ("workdir-devparity-home", with_line("app", 'workdir = "/tmp"'), "app.workdir", ""),
    ("workdir-dotdot", with_line("app", 'workdir = "/app/../etc"'), "app.workdir", ""),
    # other lists
    ("cap-add-unknown", with_line("app", 'cap_add = ["NOT_A_CAP"]'), "app.cap_add", ""),
    ("include-absolute", with_line("build", 'include = ["/etc/passwd"]'), "build.include", ""),
    ("dependency-empty-name", replace('files = ["requirements.txt"]', 'files = [""]'), "dependencies.files", ""),
    ("dependency-dot", replace('files = ["requirements.txt"]', 'files = ["."]'), "dependencies.files", ""),
    ("dependency-directory", replace('files = ["requirements.txt"]', 'files = ["reqs"]'), "dependencies.files", ""),
]


@pytest.mark.parametrize(("toml", "key", "secret"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_bad_config_value_exits_2_naming_the_key(tmp_path: Path, toml: str, key: str, secret: str) -> None:
    root = make_project(tmp_path / "p", {"reqs": None, "x.txt;echo X;.txt": ""}, toml=toml)
    before = listing(root)
    result = run(root, "render", env=NO_ENGINE)
    assert_clean(result, 2, mentions=(key,), secrets=(secret,) if secret else (), root=root, before=before)
    assert "USER root" not in result.output and "echo" not in result.output


def test_wrong_typed_env_never_prints_the_table(tmp_path: Path) -> None:
    toml = replace('env = { APP_ENV = "production" }', f'env = {{ DB_PASS = "{SECRET}", PORT = 8000 }}')
    root = make_project(tmp_path / "p", toml=toml)
    result = run(root, "render", env=NO_ENGINE)
    assert_clean(result, 2, mentions=("app.env", "PORT", "an integer"), secrets=(SECRET,))


# Dependency files at read time: `build` hashes them before it asks the engine.
def _fifo(root: Path) -> None:
    os.mkfifo(root / "requirements.txt")


def _link(target: str):  # type: ignore[no-untyped-def]
    def make(root: Path) -> None:
        os.symlink(target, root / "requirements.txt")

    return make


def _big(root: Path) -> None:
    with (root / "requirements.txt").open("wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)


DEPENDENCY_CASES = [
    ("fifo", _fifo, "FIFO"),
    ("symlink-etc-passwd", _link("/etc/passwd"), "outside the project"),
    ("symlink-dev-zero", _link("/dev/zero"), "outside the project"),
    ("symlink-loop", _link("requirements.txt"), "requirements.txt"),
    ("over-10-mb", _big, "10 MB"),
]


@pytest.mark.parametrize(("make", "needle"), [c[1:] for c in DEPENDENCY_CASES], ids=[c[0] for c in DEPENDENCY_CASES])
def test_dependency_file_that_is_not_a_project_file(tmp_path: Path, make, needle: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "p", {".dockerignore": "requirements.txt\n"})
    (root / "requirements.txt").unlink()
    make(root)
    before = listing(root)
    # A FIFO opened for reading blocks forever: the timeout is the hang
    # detector (the speed itself is a benchmark's business, not a test's).
    result = run(root, "build", env=NO_ENGINE, timeout=10)
    assert_clean(result, 2, mentions=(needle,), secrets=("root:x:0:0",), root=root, before=before)


def test_binary_config_exits_2_naming_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"devparity.toml": b"\x00\xff\xfe[project]\x80\n"})
    before = listing(root)
    assert_clean(run(root, "render", env=NO_ENGINE), 2, mentions=("devparity.toml", "UTF-8"), root=root, before=before)


@pytest.mark.parametrize("depth", [500, 100_000])
def test_deeply_nested_config_exits_2(tmp_path: Path, depth: int) -> None:
    root = make_project(tmp_path / "p", toml=with_line("dev", "ignore = " + "[" * depth + "]" * depth))
    before = listing(root)
    assert_clean(run(root, "render", env=NO_ENGINE), 2, mentions=("devparity.toml", "nested"), root=root, before=before)


def test_config_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    os.mkfifo(root / "devparity.toml")
    result = run(root, "render", env=NO_ENGINE, timeout=5)
    assert_clean(result, 2, mentions=("devparity.toml", "not a regular file"))


def test_binary_dockerignore_in_build_exits_2_naming_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {".dockerignore": b".env\n\xff\xfe\x00junk\n"})
    before = listing(root)
    assert_clean(run(root, "build", env=NO_ENGINE), 2, mentions=(".dockerignore",), root=root, before=before)


def test_dockerignore_that_is_a_fifo_does_not_hang_build(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    os.mkfifo(root / ".dockerignore")
    before = listing(root)
    result = run(root, "build", env=NO_ENGINE, timeout=5)
    assert_clean(result, 2, mentions=(".dockerignore", "FIFO"), root=root, before=before)


def test_directory_named_devparity_toml_is_not_skipped(tmp_path: Path) -> None:
    root = make_project(tmp_path / "parent", {"child/devparity.toml": None, "child/app.py": ""})
    child = root / "child"
    before = listing(root)
    result = run(child, "render", env=NO_ENGINE)
    assert_clean(result, 2, mentions=(str(child / "devparity.toml"), "directory"), root=root, before=before)
    assert "FROM" not in result.stdout  # the parent's config was not used


def test_snapshot_that_is_not_json_exits_2(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.json": b"\xff{not json", "b.json": '{"schema": 1, "kind": "image"}'})
    before = listing(root)
    assert_clean(run(root, "diff", "a.json", "b.json", env=NO_ENGINE), 2, mentions=("a.json",), root=root, before=before)


@pytest.mark.parametrize(
    "doc",
    [
        '{"schema": 1, "kind": "image", "packages": "pip"}',
        '{"schema": 1, "kind": "image", "changes": {"path": "/x"}}',
        '{"schema": 1, "kind": "image", "config": {"env": ["A=1"]}}',
        '{"schema": 1, "kind": "image", "os": []}',
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=["packages-string", "changes-dict", "env-list", "os-list", "deeply-nested"],
)
def test_hand_edited_snapshot_exits_2_naming_the_file(tmp_path: Path, doc: str) -> None:
    good = '{"schema": 1, "kind": "image"}'
    root = make_project(tmp_path / "p", {"edited.json": doc, "good.json": good})
    before = listing(root)
    result = run(root, "diff", "good.json", "edited.json", env=NO_ENGINE)
    assert_clean(result, 2, mentions=("edited.json",), root=root, before=before)


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_init_port_out_of_range(tmp_path: Path, port: str) -> None:
    root = make_project(tmp_path / "p", toml=None)
    before = listing(root)
    assert_clean(run(root, "init", "--port", port, env=NO_ENGINE), 2, mentions=("--port",), root=root, before=before)


def test_init_near_the_top_of_the_port_range_writes_a_loadable_config(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    result = run(root, "init", "--port", "65000", "--version", "3.11", env=NO_ENGINE)
    assert result.code == 0, result.stderr
    assert '"65000" = 64000' in (root / "devparity.toml").read_text()  # prod cannot default to 66000
    assert run(root, "render", env=NO_ENGINE).code == 0


# Privilege tricks: we run as root, so drop the capabilities that let root
# ignore file modes (setpriv, util-linux) for the child only.
DROP_DAC = ["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def _run_without_dac(cwd: Path, *args: str) -> Result:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to run devparity without root's file-mode override")
    return cli_process(*args, cwd=cwd, env=NO_ENGINE, prefix=["setpriv", *DROP_DAC], timeout=30, stdin=None)


def test_init_in_a_read_only_directory(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    before = listing(root)
    root.chmod(0o555)
    try:
        proc = _run_without_dac(root, "init")
    finally:
        root.chmod(0o755)
    assert_clean(proc, 2, mentions=("cannot write",), root=root, before=before)


def test_unreadable_source_file_fails_build_before_the_engine(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"secret.py": "x = 1\n"})
    (root / "secret.py").chmod(0)
    before = listing(root)
    proc = _run_without_dac(root, "build")
    assert_clean(proc, 2, mentions=("secret.py",), root=root, before=before)


def test_unreadable_source_directory_fails_build_before_the_engine(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"private/notes.py": "x = 1\n"})
    (root / "private").chmod(0)
    before = listing(root)
    try:
        proc = _run_without_dac(root, "build")
    finally:
        (root / "private").chmod(0o755)
    assert_clean(proc, 2, mentions=("private",), root=root, before=before)


@pytest.mark.parametrize("args", [["render"], ["--version"], ["snapshot", "snap.json"]], ids=lambda a: a[0])
def test_output_into_a_closed_pipe_is_quiet(tmp_path: Path, args: list[str]) -> None:
    root = make_project(tmp_path / "p", {"snap.json": '{"schema": 1, "kind": "image", "os": {"id": "debian"}}'})
    env = process_env(NO_ENGINE)
    r, w = os.pipe()
    os.close(r)  # the reader is gone before devparity writes a byte
    try:
        proc = subprocess.run(command(*args), cwd=root, env=env, stdout=w,
                              stderr=subprocess.PIPE, text=True, timeout=30)
    finally:
        os.close(w)
    assert proc.returncode in (0, 141), proc.stderr
    assert proc.stderr == ""


def test_written_files_respect_the_umask(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    old = os.umask(0o022)
    try:
        result = run(root, "init", "--version", "3.11", env=NO_ENGINE)
    finally:
        os.umask(old)
    assert result.code == 0, result.stderr
    assert stat.S_IMODE((root / "devparity.toml").stat().st_mode) == 0o644
    assert stat.S_IMODE((root / ".dockerignore").stat().st_mode) == 0o644


def test_leftover_temp_file_of_a_killed_writer_is_removed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = root / f".devparity.toml.{dead.stdout.strip()}.abc123.tmp"
    leftover.write_text("torn")
    old_style = root / ".devparity.toml.k2j4h5.tmp"
    old_style.write_text("torn")
    os.utime(old_style, (time.time() - 3600, time.time() - 3600))
    before = listing(root) - {leftover.name, old_style.name}
    result = run(root, "init", "--version", "3.11", env=NO_ENGINE)
    assert result.code == 0, result.stderr
    assert not leftover.exists() and not old_style.exists()
    assert listing(root) - before == {"devparity.toml", ".dockerignore"}


def test_snapshot_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"good.json": '{"schema": 1, "kind": "image"}'})
    os.mkfifo(root / "pipe.json")
    before = listing(root)
    result = run(root, "diff", "good.json", "pipe.json", env=NO_ENGINE, timeout=5)
    assert_clean(result, 2, mentions=("pipe.json", "FIFO"), root=root, before=before)


def test_project_path_with_a_newline_still_gives_one_error_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "a\nb", toml=with_line("app", 'workdir = "/usr"'))
    before = listing(root)
    assert_clean(run(root, "render", env=NO_ENGINE), 2, mentions=("app.workdir", "a\\nb"), root=root, before=before)


# `init` reads the project's own hint files; hand-written ones of any shape
# must neither hang nor crash detection.
INIT_CASES = [
    ("package-json-engines-string", {"package.json": '{"engines": "node 18", "scripts": "x"}'}, "node"),
    ("package-json-deeply-nested", {"package.json": "[" * 100_000 + "]" * 100_000}, "node"),
    ("package-json-binary", {"package.json": b"\xff\xfe{}"}, "node"),
    ("pyproject-project-string", {"pyproject.toml": 'project = "x"\n', "requirements.txt": ""}, "python"),
    ("pipfile-requires-list", {"Pipfile": 'requires = ["3.11"]\n', "requirements.txt": ""}, "python"),
    ("mise-tools-string", {"mise.toml": 'tools = "python"\n', "requirements.txt": ""}, "python"),
]


@pytest.mark.parametrize(("files", "language"), [c[1:] for c in INIT_CASES], ids=[c[0] for c in INIT_CASES])
def test_init_survives_hand_written_hint_files(tmp_path: Path, files: dict[str, str | bytes], language: str) -> None:
    root = tmp_path / "p"
    root.mkdir()
    for rel, content in files.items():
        (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run(root, "init", "--language", language, env=NO_ENGINE)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.output
    assert run(root, "render", env=NO_ENGINE).code == 0


def test_init_does_not_hang_on_a_fifo_version_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", toml=None)
    os.mkfifo(root / ".python-version")
    result = run(root, "init", "--version", "3.11", env=NO_ENGINE, timeout=10)
    assert result.code == 0, result.stderr
