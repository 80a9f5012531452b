"""The one way goldenpath runs git: in a directory, never prompting, failures as `GitError`.

Credentials reach git only through the environment entries a caller passes
(`GitHubEnv.git_environ`: the token as an HTTP header), never through argv or
a URL; this module reads no token itself, and its errors name only the git
subcommand and git's own output, so they are safe to show.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from goldenpath.errors import CredentialError, GoldenpathError, Outage, UsageError
from goldenpath.timeouts import request_timeout

# Options of `git` itself that take a value, skipped when naming the subcommand.
_GLOBAL_OPTIONS_WITH_VALUE = ("-c", "-C")


class GitError(UsageError):
    """git exited non-zero: `git <subcommand> failed: <what git said>`.

    Locally that is the checkout's state (exit 2); a failure talking to a
    remote is classified by `remote_failure`.
    """

    def __init__(self, subcommand: str, returncode: int, stderr: str, stdout: str) -> None:
        self.subcommand = subcommand
        self.returncode = returncode
        self.stderr = stderr.strip()
        said = self.stderr or stdout.strip() or f"exit status {returncode}"
        super().__init__(f"git {subcommand} failed: {said}")


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, strip: bool = True) -> str:
    """Run `git args` in `cwd` with `env` over the process environment; its stdout (stripped unless
    `strip` is off, for output whose leading blanks matter)."""
    command = ["git", *(["-C", str(cwd)] if cwd is not None else []), *args]
    result = subprocess.run(
        command,
        env={**os.environ, **(env or {}), **bounded_environment()},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GitError(_subcommand(args), result.returncode, result.stderr, result.stdout)
    return result.stdout.strip() if strip else result.stdout


# What git says when the remote refused the credential (HTTP 401/403, or no credential to send).
_CREDENTIAL_REFUSED = re.compile(
    r"Authentication failed|could not read (Username|Password)|terminal prompts disabled"
    r"|returned error: 40[13]|Permission denied \(publickey|403 Forbidden|Invalid username or password",
    re.IGNORECASE,
)
# What git says when the remote is not a repository it can find: a wrong URL or path.
_NO_SUCH_REMOTE = re.compile(
    r"does not appear to be a git repository|Repository not found|returned error: 404|not found",
    re.IGNORECASE,
)


def remote_failure(error: GitError, fix: str = "") -> GoldenpathError:
    """A failed fetch, push or ls-remote in the one error model.

    The remote refused the credential: a `CredentialError` (running again
    cannot help). It is not a repository: a `UsageError` naming it. Anything
    else (no network, a timeout, a 5xx): an `Outage`, and the same command
    run again resumes.
    """
    what = str(error)
    if _CREDENTIAL_REFUSED.search(error.stderr):
        return CredentialError(
            what, fix or "check that GITHUB_TOKEN is set and may read and write this repository"
        )
    if _NO_SUCH_REMOTE.search(error.stderr):
        return UsageError(what, fix or "check the remote's URL and that it exists")
    return Outage(what)


def bounded_environment() -> dict[str, str]:
    """What keeps git from waiting on a remote for ever: never prompt, and give up on a stalled
    transfer (under 1 byte/s) after the request bound, as the API clients do."""
    return {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": "1",
        "GIT_HTTP_LOW_SPEED_TIME": str(math.ceil(request_timeout())),
    }


def _subcommand(args: tuple[str, ...]) -> str:
    """The subcommand in `args` (after options such as `-c user.name=...`): what an error names."""
    skip_value = False
    for arg in args:
        if skip_value:
            skip_value = False
        elif arg in _GLOBAL_OPTIONS_WITH_VALUE:
            skip_value = True
        elif not arg.startswith("-"):
            return arg
    return ""


def commit_of(cwd: Path, ref: str, *, env: Mapping[str, str] | None = None) -> str:
    """The commit `ref` names in the checkout at `cwd`; `GitError` when there is none."""
    return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd, env=env)


def commit_all(
    cwd: Path, message: str, *, author: tuple[str, str] | None = None, env: Mapping[str, str] | None = None
) -> None:
    """Stage everything in `cwd` and commit it, hooks skipped; as `author` (name, email) when given.

    A commit made as a bot identity is never signed: no one's signing key belongs to it.
    """
    identity: list[str] = []
    if author is not None:
        name, email = author
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}", "-c", "commit.gpgsign=false"]
    git("add", "--all", cwd=cwd, env=env)
    git(*identity, "commit", "--quiet", "--no-verify", "--message", message, cwd=cwd, env=env)
