"""The first steps: the repository itself, its topics, and its first commit (the rendered tree)."""

from __future__ import annotations

from goldenpath.create_repo.context import Run
from goldenpath.git import commit_all, git
from goldenpath.github.reconcile import UNCHANGED, creating, updating


def ensure_repository(run: Run) -> str:
    if run.repo is not None:
        return UNCHANGED
    if run.dry_run:
        return creating(dry_run=True)
    body = {
        "name": run.name,
        "description": run.new.answers["description"],
        "visibility": run.settings.repo_visibility,
        "auto_init": False,
        "delete_branch_on_merge": True,
    }
    # Not the typed create_in_org: its body schema knows only public and private, not internal.
    run.repo = run.gh.request("POST", f"/orgs/{run.org}/repos", json=body).json()
    return creating(dry_run=False)


def ensure_topics(run: Run) -> str:
    assert run.repo is not None
    current = list(run.repo.get("topics") or [])
    if set(run.topics) <= set(current):
        return UNCHANGED
    if run.dry_run:
        return updating(dry_run=True)
    names = current + [t for t in run.topics if t not in current]
    run.gh.rest.repos.replace_all_topics(run.org, run.name, data={"names": names})
    run.repo["topics"] = names
    return updating(dry_run=False)


def ensure_first_commit(run: Run) -> str:
    """Push the rendered tree as `main`, once: if main exists, it is never pushed again."""
    if run.get(f"/repos/{run.org}/{run.name}/branches/main") is not None:
        return UNCHANGED
    if run.dry_run:
        return creating(dry_run=True)
    assert run.rendered is not None
    message = (
        f"Create {run.name} from goldenpath {run.template_version}\n\n"
        f"Rendered by `goldenpath create-repo` from {run.settings.central_slug} at {run.new.vcs_ref} "
        f"for {run.new.requester} (team {run.new.team})."
    )
    environ = run.env.git_environ()
    bot = run.settings.bot
    git("init", "--quiet", "--initial-branch=main", cwd=run.rendered, env=environ)
    commit_all(run.rendered, message, author=(bot.name, bot.email), env=environ)
    remote = run.env.repo_git_url(run.org, run.name)
    git("push", "--quiet", remote, "main:refs/heads/main", cwd=run.rendered, env=environ)
    return creating(dry_run=False)
