"""`--open-pr`: the experiment change as a pull request, so it is reviewed and the deploy applies it.

resources/ab.yml as the change wants it becomes one commit, by the bot, on
`goldenpath/ab-<target>` on top of the checked-out branch's HEAD. Nothing is
checked out or written in the working tree (the commit is built from a tree
of HEAD plus the new file), so the change lives in the pull request until it
is merged. The branch is pushed only when it does not hold that change on
that HEAD already, and the pull request is opened, or the open one updated:
a rerun changes nothing, a rerun after a failure finishes the job, and a
person's commit on the branch is never overwritten.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from goldenpath.ab.lifecycle import ABORT, PROMOTE, START, Change
from goldenpath.ab.target import AbTarget
from goldenpath.ab_config import AB_FILE, with_target
from goldenpath.errors import Refused
from goldenpath.git import GitError, git
from goldenpath.github.reconcile import UNCHANGED, Step, creating, updating

BRANCH_PREFIX = "goldenpath/ab-"
DOCS = "docs/ab-testing.md"
# What each command changed in the workspace before the pull request: its state, whoever ran it.
WORKSPACE_DONE = {
    START: "the `challenger` alias names version {v}",
    PROMOTE: "`champion` names version {v}, whose tags record the readout; `challenger` is deleted",
    ABORT: "`challenger` is deleted; version {v}'s tags record how the test ended",
}


def branch_name(target: str) -> str:
    return f"{BRANCH_PREFIX}{target}"


def propose(
    target: AbTarget,
    change: Change,
    gh: Any,
    slug: tuple[str, str],
    bot: tuple[str, str],
    git_env: dict[str, str],
    dry_run: bool,
) -> list[Step]:
    """The branch holds the change and one pull request proposes it: the two steps."""
    repo, owner, name = target.root, *slug
    branch = branch_name(change.target)
    base = _current_branch(repo, branch)
    committed = git("show", f"HEAD:{AB_FILE}", cwd=repo, strip=False)
    wanted = with_target(committed, change.target, change.experiment)
    if wanted is None:
        return [Step(f"branch {branch}", UNCHANGED, f"{base} already holds this {AB_FILE}")]
    listed = gh.rest.pulls.list(owner, name, head=f"{owner}:{branch}", state="open").json()
    pull = listed[0] if listed else None
    if dry_run:
        return [
            Step(f"branch {branch}", creating(True), f"{AB_FILE} on {base}"),
            Step("pull request", updating(True) if pull else creating(True), f"{branch} into {base}"),
        ]
    pushed = _push(repo, branch, _commit(repo, wanted, change.title, bot), bot, git_env)
    title, body = change.title, _body(change, branch, base)
    if pull is None:
        created = gh.rest.pulls.create(owner, name, title=title, head=branch, base=base, body=body).json()
        return [
            pushed,
            Step("pull request", creating(False), created.get("html_url") or f"#{created['number']}"),
        ]
    where = pull.get("html_url") or f"#{pull['number']}"
    if pull["title"] == title and (pull.get("body") or "") == body:
        return [pushed, Step("pull request", UNCHANGED, where)]
    gh.rest.pulls.update(owner, name, pull["number"], title=title, body=body)
    return [pushed, Step("pull request", updating(False), where)]


def _current_branch(repo: Path, branch: str) -> str:
    try:
        current = git("symbolic-ref", "--short", "HEAD", cwd=repo)
    except GitError:
        current = ""
    if not current or current == branch:
        raise Refused(
            f"{repo} is {'on ' + branch if current else 'not on a branch'}",
            "check out the branch the pull request should go into (the default branch), then run again",
        )
    return current


def _commit(repo: Path, text: str, message: str, bot: tuple[str, str]) -> str:
    """HEAD with resources/ab.yml replaced by `text`, as one commit by the bot; nothing checked out."""
    with tempfile.TemporaryDirectory() as scratch:
        new = Path(scratch) / "ab.yml"
        new.write_text(text, encoding="utf-8")
        blob = git("hash-object", "-w", "--", str(new), cwd=repo)
        index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        git("read-tree", "HEAD", cwd=repo, env=index)
        git("update-index", "--add", "--cacheinfo", f"100644,{blob},{AB_FILE}", cwd=repo, env=index)
        tree = git("write-tree", cwd=repo, env=index)
    name, email = bot
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    return git("commit-tree", tree, "-p", "HEAD", "-m", message, cwd=repo, env=identity)


def _push(repo: Path, branch: str, commit: str, bot: tuple[str, str], git_env: dict[str, str]) -> Step:
    """The branch holds `commit`'s change on top of HEAD; a branch someone else committed to is refused."""
    name = f"branch {branch}"
    try:
        git("fetch", "--quiet", "origin", f"refs/heads/{branch}", cwd=repo, env=git_env)
        tip = git("rev-parse", "FETCH_HEAD", cwd=repo)
    except GitError:
        tip = ""  # no such branch yet
    if tip:
        author = git("log", "-1", "--format=%ae", tip, cwd=repo)
        if author != bot[1]:
            raise Refused(
                f"{branch} has a commit by {author}",
                "merge or close its pull request first (this run would overwrite that work)",
            )
        same_tree = git("rev-parse", f"{tip}^{{tree}}", cwd=repo) == git(
            "rev-parse", f"{commit}^{{tree}}", cwd=repo
        )
        if same_tree and git("rev-parse", f"{tip}^", cwd=repo) == git("rev-parse", "HEAD", cwd=repo):
            return Step(name, UNCHANGED, tip[:12])
    git("push", "--quiet", "--force", "origin", f"{commit}:refs/heads/{branch}", cwd=repo, env=git_env)
    return Step(name, updating(False) if tip else creating(False), commit[:12])


def _body(change: Change, branch: str, base: str) -> str:
    lines = [f"`goldenpath ab {change.command} --target {change.target}` on `{change.model}`.", ""]
    if change.experiment is not None:
        test = change.experiment
        lines += [
            "| | |",
            "|---|---|",
            f"| challenger | version {test.challenger} |",
            f"| share | {test.percent}% of keys |",
            f"| key | `{test.key or 'AB_KEY_COLUMN (config.py)'}` |",
            f"| salt | `{test.salt}` |",
            f"| start | {test.start_date} |",
            f"| primary metric | `{test.metric}` ({test.metric_type}), minimum detectable effect {test.mde:g} |",
            "",
        ]
    lines += [
        f"Already done in Unity Catalog: {WORKSPACE_DONE[change.command].format(v=change.challenger)}.",
        "",
    ]
    lines += [
        f"Merging `{branch}` into `{base}` changes `{AB_FILE}`; the next deploy of `{change.target}` "
        f"applies it to the endpoint. How A/B tests work: `{DOCS}`.",
    ]
    return "\n".join(lines) + "\n"
