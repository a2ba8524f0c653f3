"""Every registered runtime through the same checks (issue 10).

Unit part: the plugin's fields are complete, its sample project is detected,
and the Dockerfile it renders parses into the expected instructions. Engine
part (tests/runtimes/test_conformance_engine.py): build, fingerprint,
reload. A new runtime joins by registering itself in devparity/runtimes and
adding tests/runtimes/samples/<name>/.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from devparity import config, detect, render, runtimes
from devparity.commands import init as init_cmd
from devparity.runtimes.plugin import DevVolume, Ecosystem, Found, Runtime
from tests.runtimes.conformance_support import INSTRUCTIONS, instructions, sample

NAMES = sorted(runtimes.RUNTIMES)
# The protocol's data fields and their types; every method of the protocol
# must be there too (checked by name against runtimes.plugin.Runtime).
FIELDS = {
    "name": str,
    "template": str,
    "markers": tuple,
    "known_versions": tuple,
    "default_port": int,
    "image_dirs": tuple,
    "shadowed": tuple,
    "generated_dirs": tuple,
    "ecosystems": tuple,
    "host_commands": tuple,
    "version_managers": str,
}
METHODS = sorted(n for n, v in vars(Runtime).items() if callable(v) and not n.startswith("_"))


class NoFiles:
    """An image with nothing in it: every runtime's fingerprint finds nothing."""

    def read_file(self, path: str) -> bytes | None:
        return None

    def read_files(self, paths: list[str]) -> dict[str, bytes | None]:
        return {p: None for p in paths}

    def walk(self, path: str, predicate: object, max_size: int | None = None) -> list[tuple[str, bytes]]:
        return []


def test_every_runtime_has_a_sample() -> None:
    assert NAMES, "no runtime registered"
    for name in NAMES:
        assert (sample(name).root / sample(name).edit).is_file(), f"samples/{name} lacks its edit file"


def test_fields_list_is_the_protocols() -> None:
    assert set(FIELDS) == set(Runtime.__annotations__)


def test_the_language_list_is_the_registry() -> None:
    assert tuple(config.LANGUAGES) == tuple(runtimes.RUNTIMES)


@pytest.mark.parametrize("name", NAMES)
def test_plugin_fields_are_complete(name: str) -> None:
    rt = runtimes.get(name)
    assert rt.name == name
    for field, kind in FIELDS.items():
        assert isinstance(getattr(rt, field, None), kind), f"{name}.{field} is not a {kind.__name__}"
    for method in METHODS:
        assert callable(getattr(rt, method, None)), f"{name} lacks {method}()"
    assert rt.markers and rt.known_versions and rt.host_commands and rt.ecosystems and rt.version_managers
    assert 1024 < rt.default_port < 65536, "the default port must not need a capability"
    assert (render.templates_dir() / rt.template).is_file()
    assert all(isinstance(e, Ecosystem) and e.name for e in rt.ecosystems)
    assert all(isinstance(argv, tuple) and argv and all(isinstance(a, str) for a in argv) for argv in rt.host_commands)
    assert all(d.startswith("/") for d in rt.image_dirs)
    assert all("/" not in d for d in (*rt.shadowed, *rt.generated_dirs))
    assert isinstance(rt.fingerprint(NoFiles(), {}), Found)
    assert rt.fingerprint(NoFiles(), {}).version is None


@pytest.mark.parametrize("name", NAMES)
def test_hook_signatures_match_the_protocol(name: str) -> None:
    rt = runtimes.get(name)
    for method in METHODS:
        want = list(inspect.signature(getattr(Runtime, method)).parameters)[1:]
        got = list(inspect.signature(getattr(rt, method)).parameters)
        assert got == want, f"{name}.{method}{tuple(got)} differs from the protocol's {tuple(want)}"


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_detected(name: str, tmp_path: Path) -> None:
    root = sample(name).copy_to(tmp_path / "app")
    d = detect.detect(root)
    assert d.language == name
    assert d.version and d.command
    assert set(d.dep_files) <= {p.name for p in root.iterdir()}


@pytest.mark.parametrize("name", NAMES)
def test_rendered_dockerfile_parses(name: str, tmp_path: Path) -> None:
    root = sample(name).copy_to(tmp_path / "app")
    d = detect.detect(root)
    text = init_cmd.render_config(root, d, None)
    cfg = config.parse(text, root / config.CONFIG_NAME)
    rt = runtimes.get(name)
    assert cfg.ports == (rt.default_port,) or list(cfg.ports) == [rt.default_port]
    dockerfile = render.render(cfg)
    assert "${" not in dockerfile.replace("$${", ""), "a template placeholder was left unfilled"
    bad = [c for c in dockerfile if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"]
    assert not bad, f"control characters in the Dockerfile: {bad!r}"
    parsed = instructions(dockerfile)
    words = [w for w, _ in parsed]
    assert set(words) <= INSTRUCTIONS, set(words) - INSTRUCTIONS
    assert words[0] == "FROM" and parsed[0][1] == render.base_image(cfg)
    assert words.count("CMD") == 1 and json.loads(dict(parsed)["CMD"]) == d.command
    assert ("COPY", ". .") in parsed, "the source is copied last"
    copy_deps = [a for w, a in parsed if w == "COPY" and a != ". ."]
    if d.dep_files:  # dependency files come first, so a source edit keeps the install layer
        assert copy_deps and parsed.index(("COPY", copy_deps[0])) < parsed.index(("COPY", ". ."))
    assert [a for w, a in parsed if w == "USER"] == [cfg.user], "prod runs as the non-root user"
    assert ("EXPOSE", str(rt.default_port)) in parsed


@pytest.mark.parametrize("name", NAMES)
def test_dev_hooks_give_well_formed_values(name: str, tmp_path: Path) -> None:
    root = sample(name).copy_to(tmp_path / "app")
    cfg = config.parse(init_cmd.render_config(root, detect.detect(root), None), root / config.CONFIG_NAME)
    rt = runtimes.get(name)
    volumes = rt.dev_volumes(cfg)
    assert all(isinstance(v, DevVolume) and v.target.startswith("/") for v in volumes)
    assert len({v.key for v in volumes}) == len(volumes)
    assert rt.dev_build(cfg) is None or isinstance(rt.dev_build(cfg), str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in rt.image_env(cfg).items())
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in rt.template_context(cfg).items())
