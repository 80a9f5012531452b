"""After a template update: relock a repository that commits its poetry.lock.

A template release moves pins in pyproject.toml (the goldenpath dev dependency
among them), and poetry refuses to install from a lock whose pyproject changed.
`poetry lock` keeps every other locked version as it is. Without poetry, or
when locking fails, the update still stands and says what is left to do.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from goldenpath.console import progress

LOCK_FILE = "poetry.lock"
PYPROJECT = "pyproject.toml"
# Resolving against a slow index takes minutes, never this long.
LOCK_TIMEOUT_SECONDS = 900


def relock(repo: Path, changed: list[str], conflicts: list[str]) -> str:
    """Relock when needed; returns what happened to the lock, for the update's report."""
    if not (repo / LOCK_FILE).is_file() or PYPROJECT not in changed:
        return "unchanged"
    if PYPROJECT in conflicts:
        return f"stale: resolve the conflicts in {PYPROJECT}, then run `poetry lock`"
    poetry = shutil.which("poetry")
    if poetry is None:
        return "stale: poetry is not on PATH; run `poetry lock`"
    progress(f"goldenpath update: poetry lock ({PYPROJECT} changed)")
    try:
        locked = subprocess.run(
            [poetry, "lock", "--no-interaction"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"stale: poetry lock took over {LOCK_TIMEOUT_SECONDS} s; run `poetry lock`"
    if locked.returncode != 0:
        reason = (locked.stderr.strip() or locked.stdout.strip()).splitlines()[-1:] or ["no output"]
        return f"stale: poetry lock failed ({reason[0]}); run `poetry lock`"
    return "relocked"
