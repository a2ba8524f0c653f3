"""The reload storm (issue 11, point 9b), decided without a watcher or an
engine: a file that changes on every reload (`devparity up > up.log` in
the project root, an app's own log, a SQLite file) would reload the app
forever, each start writing it again (459 reloads in 25 s in one try).

A loop shows as the same path in the batch that follows each restart,
restart after restart; an edit by a person lands at its own pace. Once a
path has come right after ROUNDS consecutive restarts, the session stops
reloading for it and says which ``[dev].ignore`` line ends it for good.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Sequence

ROUNDS = 3  # consecutive restarts each followed by the same path
# Seconds after a restart in which a change counts as "right after". A loop
# writes as the app starts (tens of ms; a few hundred under load); a person
# who saves, sees the reload and saves again takes longer. At 1 s, saves
# half a second apart (benchmarks/reload.py's pace, an editor's autosave)
# were taken for a loop and stopped reloading the very file being edited.
WINDOW = 0.4


class Storm:
    """Feed it each completed restart and each batch of changed paths; it
    answers which paths loop."""

    def __init__(self, *, rounds: int = ROUNDS, window: float = WINDOW) -> None:
        self.window = window
        self.rounds = rounds
        self.restart_at: float | None = None
        self.restart_n: int | None = None
        # the paths changed right after each of the last ``rounds`` restarts
        self.after: deque[set[str]] = deque(maxlen=rounds)

    def restarted(self, n: int, at: float) -> None:
        """Reload number ``n`` completed (the app started again) at ``at``;
        several containers settling the same reload count once."""
        if n == self.restart_n:
            return
        self.restart_n, self.restart_at = n, at
        self.after.append(set())

    def looping(self, paths: Iterable[str], at: float) -> set[str]:
        """The paths of a batch completed at ``at`` that have now changed
        right after each of the last ``rounds`` restarts."""
        now = set(paths)
        if not now or self.restart_at is None or at - self.restart_at > self.window or not self.after:
            return set()
        self.after[-1].update(now)
        if len(self.after) < self.rounds:
            return set()
        return set.intersection(*self.after) & now


def ignore_line(current: Sequence[str], paths: Iterable[str]) -> str:
    """The ``[dev]`` line that ends the loop: the current ignore list plus
    ``paths``, as TOML (JSON's string escapes are TOML's)."""
    wanted = list(current) + [p for p in sorted(paths) if p not in current]
    return "ignore = [" + ", ".join(json.dumps(p) for p in wanted) + "]"


def own_outputs(root: str, targets: Iterable[str]) -> set[str]:
    """Project-relative paths among ``targets`` (what this process's stdout
    and stderr point at, /proc/self/fd/1 and 2) that lie under ``root``:
    the session writes them itself, so they are never a reason to reload."""
    base = os.path.realpath(root).rstrip(os.sep) + os.sep
    out: set[str] = set()
    for t in targets:
        if t.startswith(base) and os.path.isfile(t):
            out.add(t[len(base) :].replace(os.sep, "/"))
    return out


def output_targets() -> list[str]:
    """Where this process's stdout and stderr go, when they are files (a
    pipe or a terminal reads as pipe:[N] or /dev/pts/N)."""
    found = []
    for fd in (1, 2):
        try:
            found.append(os.path.realpath(os.readlink(f"/proc/self/fd/{fd}")))
        except OSError:
            continue
    return found
