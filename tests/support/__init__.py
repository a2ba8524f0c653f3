"""What tests and benchmarks share (issue 10): the test app, a project
builder, one in-process and one subprocess CLI runner, ``Up`` (a foreground
``devparity up``), a fingerprint factory, HTTP polling and free ports, and
clean-up by label. Import from here: ``from tests.support import ...``
(benchmarks put the repository root on sys.path first). The registry and
private-engine helpers of the integration tests live in
``tests.support.registry`` and ``tests.support.private_engine``."""

from tests.support.app import APP_PY, app_text
from tests.support.cli import REPO, Result, cli_process, run_cli
from tests.support.engine import remove_by_project
from tests.support.fingerprints import fingerprint
from tests.support.project import LOCK_DIGEST, go_toml, lock_data, make_wheel, python_project, unique_name, write_files, write_lock
from tests.support.up import Up
from tests.support.web import edit, free_port, get, wait_for_text

__all__ = [
    "APP_PY",
    "LOCK_DIGEST",
    "REPO",
    "Result",
    "Up",
    "app_text",
    "cli_process",
    "edit",
    "fingerprint",
    "free_port",
    "get",
    "go_toml",
    "lock_data",
    "make_wheel",
    "python_project",
    "remove_by_project",
    "run_cli",
    "unique_name",
    "wait_for_text",
    "write_files",
    "write_lock",
]
