"""The template-update pull request: one branch, one PR, kept current by a weekly workflow.

`goldenpath update --open-pr` runs `goldenpath update` in the checked-out
repository. With changes it commits them to `goldenpath/update`, force-pushes
that branch (it is regenerated from the default branch on every run) and opens
the pull request, or updates the open one, so there is never more than one.
Up to date, it closes a stale update PR. Each step reads GitHub's state first,
so a run that failed part-way is finished by the next one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.console import EXIT_OK, EXIT_RESUMABLE, progress, write_step_summary
from goldenpath.git import GitError, commit_all, git
from goldenpath.github.client import GitHubConfigError, api_client, github_env
from goldenpath.update.apply import (
    UpdateError,
    UpdateRefused,
    UpdateResult,
    git_environment,
    result_markdown,
    run_update,
)

BRANCH = "goldenpath/update"
BOT_NAME = "goldenpath"
BOT_EMAIL = "goldenpath@users.noreply.github.com"


@dataclass(frozen=True)
class PullOutcome:
    """What happened to the update pull request."""

    action: str  # created | updated | closed | none
    number: int | None
    url: str | None
    previous: str
    target: str
    conflicts: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "number": self.number,
            "url": self.url,
            "previous": self.previous,
            "target": self.target,
            "conflicts": self.conflicts,
        }


def pull_title(result: UpdateResult) -> str:
    return f"goldenpath {result.previous} → {result.target}"


def open_update_pr(repo: Path, *, to: str | None = None, json_output: bool = False) -> int:
    try:
        env = github_env()
    except GitHubConfigError as exc:
        raise UpdateError(str(exc)) from exc
    slug = os.environ.get("GITHUB_REPOSITORY", "")
    if slug.count("/") != 1:
        raise UpdateError(f"GITHUB_REPOSITORY is {slug!r}; set it to <owner>/<repo> as GitHub Actions does")
    owner, name = slug.split("/")
    base = _current_branch(repo)
    gh = api_client(env)
    try:
        existing = [
            pull
            for pull in gh.rest.pulls.list(owner, name, head=f"{owner}:{BRANCH}", state="open").json()
            if pull["head"]["ref"] == BRANCH
        ]
    except Exception as exc:  # githubkit raises its own request/response errors
        raise UpdateError(f"cannot list pull requests of {slug}: {exc}") from exc

    result = run_update(repo)
    try:
        if result.previous == result.target or not result.changed:
            outcome = _close_stale(gh, owner, name, existing, result)
        else:
            _commit_and_push(repo, result)
            outcome = _open_or_update(gh, owner, name, base, existing, result)
    except (UpdateError, UpdateRefused):
        raise
    except Exception as exc:
        progress(f"goldenpath update: GitHub failed part-way ({exc}); run again to finish")
        return EXIT_RESUMABLE
    print(json.dumps(outcome.as_json(), indent=2) if json_output else _describe(outcome))
    write_step_summary(
        _describe(outcome) + ("\n\n" + result_markdown(result) if outcome.action != "none" else "")
    )
    return EXIT_OK


def _current_branch(repo: Path) -> str:
    try:
        branch = git("symbolic-ref", "--short", "HEAD", cwd=repo)
    except GitError:
        branch = ""
    if not branch:
        raise UpdateError(f"{repo} is not on a branch; check out the default branch first")
    if branch == BRANCH:
        raise UpdateError(f"{repo} is on {BRANCH}; run the update from the default branch")
    return branch


def _committer_email(repo: Path) -> str:
    try:
        return git("config", "user.email", cwd=repo) or BOT_EMAIL
    except GitError:  # not configured
        return BOT_EMAIL


def _git(repo: Path, *args: str) -> str:
    try:
        return git(*args, cwd=repo, env=git_environment())
    except GitError as exc:
        raise UpdateError(str(exc)) from exc


def _foreign_tip(repo: Path) -> str | None:
    """Who else committed on top of the pushed update branch, if anyone.

    People resolve conflicts on the update PR's branch; a force-push would drop
    their work, so the next run leaves such a branch alone.
    """
    try:
        git("fetch", "-q", "--depth", "1", "origin", f"refs/heads/{BRANCH}", cwd=repo, env=git_environment())
    except GitError:
        return None  # no such branch yet
    author = _git(repo, "log", "-1", "--format=%ae", "FETCH_HEAD")
    return None if author == _committer_email(repo) else author


def _commit_and_push(repo: Path, result: UpdateResult) -> None:
    """The update as one commit on BRANCH, force-pushed: the branch always equals default + update."""
    foreign = _foreign_tip(repo)
    if foreign:
        raise UpdateRefused(
            f"{BRANCH} has a commit by {foreign} on top of the last update; merge or close its "
            "pull request first (this run would overwrite that work)"
        )
    _git(repo, "checkout", "-q", "-B", BRANCH)
    message = f"{pull_title(result)}\n\nConflicts: {', '.join(result.conflicts) or 'none'}\n"
    author = (BOT_NAME, BOT_EMAIL) if _committer_email(repo) == BOT_EMAIL else None
    try:
        commit_all(repo, message, author=author, env=git_environment())
    except GitError as exc:
        raise UpdateError(str(exc)) from exc
    progress(f"goldenpath update: pushing {BRANCH}")
    _git(repo, "push", "-q", "--force", "origin", f"HEAD:refs/heads/{BRANCH}")


def _open_or_update(
    gh: Any, owner: str, name: str, base: str, existing: list[Any], result: UpdateResult
) -> PullOutcome:
    title, body = pull_title(result), result_markdown(result)
    if existing:
        pull = gh.rest.pulls.update(owner, name, existing[0]["number"], title=title, body=body).json()
        action = "updated"
    else:
        pull = gh.rest.pulls.create(
            owner, name, title=title, head=BRANCH, base=base, body=body, draft=bool(result.conflicts)
        ).json()
        action = "created"
    return PullOutcome(
        action, pull["number"], pull.get("html_url"), result.previous, result.target, result.conflicts
    )


def _close_stale(gh: Any, owner: str, name: str, existing: list[Any], result: UpdateResult) -> PullOutcome:
    number = url = None
    action = "none"
    for pull in existing:
        gh.rest.pulls.update(owner, name, pull["number"], state="closed")
        number, url, action = pull["number"], pull.get("html_url"), "closed"
    return PullOutcome(action, number, url, result.previous, result.target, [])


def _describe(outcome: PullOutcome) -> str:
    if outcome.action == "none":
        return f"goldenpath {outcome.target} is current; no update pull request needed"
    if outcome.action == "closed":
        return (
            f"goldenpath {outcome.target} is current; closed the stale update pull request #{outcome.number}"
        )
    draft = f" (draft: {len(outcome.conflicts)} file(s) with conflicts)" if outcome.conflicts else ""
    return (
        f"{outcome.action} pull request #{outcome.number}: goldenpath {outcome.previous} → {outcome.target}"
        f"{draft} {outcome.url or ''}".rstrip()
    )
