"""What never goes into a build context unless [build].include opts it back
in (issue 7): secrets, VCS data, local environments. `init` writes the same
list as the project's .dockerignore; `build` applies it whether or not that
file exists (a hand-written config, or a .dockerignore a teammate deleted,
must not bake a .env into the prod image).

Patterns use .dockerignore syntax; ``**/`` makes one match at any depth.
"""

from __future__ import annotations

from collections.abc import Iterable

from devparity import runtimes

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control
    ".git",
    ".gitignore",
    ".hg",
    ".svn",
    # secrets: env files, private keys, credential files
    "**/.env",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    "**/id_rsa*",
    "**/id_ed25519*",
    "**/id_ecdsa*",
    "**/id_dsa*",
    "**/.aws",
    "**/.ssh",
    "**/.npmrc",
    "**/.pypirc",
    "**/.netrc",
    # local environments and caches, as each runtime generates them
    *(f"**/{d}" for d in runtimes.generated_dirs()),
    "**/*.pyc",
    # devparity's own files: the image records its inputs in labels, and the
    # config holds [build].args, which must not outlive the build
    "devparity.lock",
    "devparity.toml",
)


def dockerignore_text() -> str:
    """The .dockerignore `devparity init` writes."""
    head = (
        "# Written by devparity init: keeps secrets, VCS data and local environments\n"
        "# out of the image. devparity build leaves these out even without this file;\n"
        "# opt a path back in with [build].include in devparity.toml.\n"
    )
    return head + "".join(p + "\n" for p in DEFAULT_EXCLUDES)


def combined(dockerignore: Iterable[str], include: Iterable[str] = ()) -> list[str]:
    """The patterns a build applies: the defaults, then the project's own
    .dockerignore (which may re-include with ``!``), then [build].include,
    last so it wins (later .dockerignore patterns override earlier ones)."""
    return [*DEFAULT_EXCLUDES, *dockerignore, *(f"!{_relative(p)}" for p in include)]


def _relative(path: str) -> str:
    """``./.env`` and ``/.env`` as .dockerignore writes them: ``.env``."""
    path = path.strip().strip("/")
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return path
