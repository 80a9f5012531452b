"""The template-update pull request: one branch, one PR, kept current by a weekly workflow.

`goldenpath update --open-pr` runs the update (`goldenpath.update.apply`) in
the checked-out repository. With changes it commits them to
`goldenpath/update` as the bot of the settings, force-pushes that branch (it
is regenerated from the default branch on every run) and opens the pull
request, or updates the open one, so there is never more than one. Up to date,
it closes a stale update PR. Each step reads GitHub's state first, so a run
that failed part-way is finished by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goldenpath.console import progress
from goldenpath.errors import Refused, UsageError
from goldenpath.git import GitError, commit_all, git, remote_failure
from goldenpath.github.client import api_client, github_env, required_repository
from goldenpath.github.reconcile import CREATED, UPDATED, translated
from goldenpath.settings import GitIdentity
from goldenpath.update.apply import UpdateResult, run_update
from goldenpath.update.report import result_markdown
from goldenpath.update.source import git_environment

if TYPE_CHECKING:
    from githubkit import GitHub

BRANCH = "goldenpath/update"
CLOSED, NONE = "closed", "none"


@dataclass(frozen=True)
class PullOutcome:
    """What happened to the update pull request: `action` is created, updated, closed or none."""

    action: str
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


def open_update_pr(
    repo: Path, bot: GitIdentity, *, to: str | None = None, conflict: str = "inline"
) -> tuple[PullOutcome, UpdateResult]:
    """Update `repo` (to `to`, leaving conflicts as `conflict` says) and bring its one pull request along."""
    env = github_env()
    owner, name = required_repository()
    base = _current_branch(repo)
    gh = api_client(env)
    with translated():
        listed = gh.rest.pulls.list(owner, name, head=f"{owner}:{BRANCH}", state="open").json()
    existing = [pull for pull in listed if pull["head"]["ref"] == BRANCH]
    result = run_update(repo, to=to, conflict=conflict)
    if result.previous == result.target or not result.changed:
        with translated():
            return _close_stale(gh, owner, name, existing, result), result
    _commit_and_push(repo, result, bot)
    with translated():
        return _open_or_update(gh, owner, name, base, existing, result), result


def _current_branch(repo: Path) -> str:
    try:
        branch = git("symbolic-ref", "--short", "HEAD", cwd=repo)
    except GitError:
        branch = ""
    if not branch:
        raise UsageError(f"{repo} is not on a branch", "check out the default branch first")
    if branch == BRANCH:
        raise UsageError(f"{repo} is on {BRANCH}", "run the update from the default branch")
    return branch


def _foreign_tip(repo: Path, bot: GitIdentity) -> str | None:
    """Who else committed on top of the pushed update branch, if anyone.

    People resolve conflicts on the update PR's branch; a force-push would drop
    their work, so the next run leaves such a branch alone.
    """
    try:
        git("fetch", "-q", "--depth", "1", "origin", f"refs/heads/{BRANCH}", cwd=repo, env=git_environment())
    except GitError:
        return None  # no such branch yet
    author = git("log", "-1", "--format=%ae", "FETCH_HEAD", cwd=repo)
    return None if author == bot.email else author


def _commit_and_push(repo: Path, result: UpdateResult, bot: GitIdentity) -> None:
    """The update as one commit on BRANCH, force-pushed: the branch always equals default + update."""
    foreign = _foreign_tip(repo, bot)
    if foreign:
        raise Refused(
            f"{BRANCH} has a commit by {foreign} on top of the last update",
            "merge or close its pull request first (this run would overwrite that work)",
        )
    git("checkout", "-q", "-B", BRANCH, cwd=repo)
    message = f"{pull_title(result)}\n\nConflicts: {', '.join(result.conflicts) or 'none'}\n"
    commit_all(repo, message, author=(bot.name, bot.email), env=git_environment())
    progress(f"goldenpath update: pushing {BRANCH}")
    try:
        git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{BRANCH}", cwd=repo, env=git_environment())
    except GitError as exc:
        raise remote_failure(exc) from None


def _open_or_update(
    gh: GitHub[Any], owner: str, name: str, base: str, existing: list[Any], result: UpdateResult
) -> PullOutcome:
    title, body = pull_title(result), result_markdown(result)
    if existing:
        pull = gh.rest.pulls.update(owner, name, existing[0]["number"], title=title, body=body).json()
        action = UPDATED
    else:
        pull = gh.rest.pulls.create(
            owner, name, title=title, head=BRANCH, base=base, body=body, draft=bool(result.conflicts)
        ).json()
        action = CREATED
    return PullOutcome(
        action, pull["number"], pull.get("html_url"), result.previous, result.target, result.conflicts
    )


def _close_stale(
    gh: GitHub[Any], owner: str, name: str, existing: list[Any], result: UpdateResult
) -> PullOutcome:
    number = url = None
    action = NONE
    for pull in existing:
        gh.rest.pulls.update(owner, name, pull["number"], state="closed")
        number, url, action = pull["number"], pull.get("html_url"), CLOSED
    return PullOutcome(action, number, url, result.previous, result.target, [])


def describe(outcome: PullOutcome) -> str:
    if outcome.action == NONE:
        return f"goldenpath {outcome.target} is current; no update pull request needed"
    if outcome.action == CLOSED:
        return (
            f"goldenpath {outcome.target} is current; closed the stale update pull request #{outcome.number}"
        )
    draft = f" (draft: {len(outcome.conflicts)} file(s) with conflicts)" if outcome.conflicts else ""
    return (
        f"{outcome.action} pull request #{outcome.number}: goldenpath {outcome.previous} → {outcome.target}"
        f"{draft} {outcome.url or ''}".rstrip()
    )
