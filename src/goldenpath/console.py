"""What every command shares about talking to people and to workflows.

Exit codes are a contract for workflows and hooks. Progress goes to stderr so
stdout carries only results (a table, JSON); the summary also goes to
`$GITHUB_STEP_SUMMARY` when a workflow sets it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from goldenpath.errors import EXIT_OK, EXIT_REFUSED, EXIT_RESUMABLE, EXIT_USAGE

__all__ = ["EXIT_OK", "EXIT_REFUSED", "EXIT_RESUMABLE", "EXIT_USAGE", "progress", "write_step_summary"]


def progress(message: str) -> None:
    """One line of progress for a person watching; never part of the result."""
    print(message, file=sys.stderr, flush=True)


def write_step_summary(markdown: str) -> None:
    """Append to the GitHub Actions job summary, if this runs in a workflow."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as summary:
            summary.write(markdown.rstrip("\n") + "\n")
