"""One error model: a failure a person can act on is a `GoldenpathError` that carries its exit code.

Exit codes are a contract for workflows and hooks: 0 ok, 1 refused or a check
failed, 2 usage or configuration (a missing, wrong or expired credential too:
running again cannot help), 3 failed part-way after bounded retries (an outage:
running the same command again resumes). Library code raises these and returns
results; only `goldenpath.cli.main` turns them into a message and an exit code,
as `goldenpath <command>: <what> — <how to fix>`.
"""

from __future__ import annotations

import copy
from typing import ClassVar, Self

EXIT_OK = 0
EXIT_REFUSED = 1  # refused, or a check failed
EXIT_USAGE = 2  # usage or configuration error
EXIT_RESUMABLE = 3  # failed part-way; running the same command again resumes
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away, as a shell reports SIGPIPE

RUN_AGAIN = "run the same command again once it answers: finished steps are kept and skipped"


class GoldenpathError(Exception):
    """What went wrong (`what`) and what would make it right (`fix`), both in plain words."""

    exit_code: ClassVar[int] = EXIT_REFUSED

    def __init__(self, what: str, fix: str = "") -> None:
        self.what = what.strip()
        self.fix = fix.strip()
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.what} — {self.fix}" if self.fix else self.what

    def within(self, context: str) -> Self:
        """The same error (type, exit code, fix), its `what` prefixed with where it happened."""
        within = copy.copy(self)
        within.what = f"{context}: {self.what}"
        within.args = (within.message,)
        return within


class Refused(GoldenpathError):
    """The request is not allowed, or a check failed; nothing was changed (exit 1)."""

    exit_code = EXIT_REFUSED


class UsageError(GoldenpathError):
    """A bad argument, setting, path, profile or target: the command cannot start (exit 2)."""

    exit_code = EXIT_USAGE


class CredentialError(UsageError):
    """A credential is missing, wrong or expired (HTTP 401/403 on auth): running again cannot help."""


class Outage(GoldenpathError):
    """A service failed after bounded retries (5xx, timeout, refused connection); a rerun resumes (exit 3)."""

    exit_code = EXIT_RESUMABLE

    def __init__(self, what: str, fix: str = RUN_AGAIN) -> None:
        super().__init__(what, fix)
