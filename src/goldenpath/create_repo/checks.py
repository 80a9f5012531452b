"""Before any write: who asks, which teams exist, whether the name is free or ours, and the render.

Everything here only reads, so a refusal (`Refused`) or a setup problem
(`UsageError`) leaves GitHub exactly as it was.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from goldenpath.create_repo.context import OWNERSHIP_TOPIC, Run
from goldenpath.create_repo.render import render, template_file
from goldenpath.create_repo.required_checks import required_checks
from goldenpath.errors import Refused, UsageError

GENERATED_CI = ".github/workflows/ci.yml"


def authorize(run: Run) -> None:
    """The requester must be an active member of the team that will own the repository."""
    membership = run.get(f"/orgs/{run.org}/teams/{run.new.team}/memberships/{run.new.requester}")
    state = membership.get("state") if membership else None
    if state != "active":
        why = "is not a member" if membership is None else f"has a {state} membership (accept the invitation)"
        raise Refused(
            f"{run.new.requester} {why} of team {run.org}/{run.new.team}",
            "ask a team maintainer; nothing was written",
        )


def find_team_ids(run: Run) -> None:
    """Ids of the teams the steps grant to (reviewers are named by id); a missing one is a setup error."""
    for slug in dict.fromkeys((run.new.team, run.settings.platform_team, run.settings.prd_reviewers)):
        team = run.get(f"/orgs/{run.org}/teams/{slug}")
        if team is None:
            raise UsageError(f"team {run.org}/{slug} does not exist", "create it or fix goldenpath.yml")
        run.team_ids[slug] = int(team["id"])


def find_repository(run: Run) -> None:
    """An existing repository is converged only when it is ours; anything else is refused."""
    repo = run.get(f"/repos/{run.org}/{run.name}")
    if repo is not None and not _is_ours(run, repo):
        raise Refused(
            f"{run.org}/{run.name} already exists and was not made by goldenpath "
            f"(no '{OWNERSHIP_TOPIC}' topic)",
            "choose another name; nothing was written",
        )
    run.repo = repo


def _is_ours(run: Run, repo: dict[str, Any]) -> bool:
    """Ours: it has the topic, or it is the empty, topic-less repository a failed run just created.

    The topic is set right after the create; if that write failed, the rerun
    recognises its own repository by the exact description it was created with
    and by having no commit yet.
    """
    topics = repo.get("topics") or []
    if OWNERSHIP_TOPIC in topics:
        return True
    half_made = not topics and repo.get("description") == run.new.answers["description"]
    return half_made and run.get(f"/repos/{run.org}/{run.name}/branches/main") is None


def prepare_render(run: Run, workdir: Path) -> None:
    """Render the new repository and read its CI's check names: before any write, so a bad template refuses early."""
    new = run.new
    try:
        pyproject = tomllib.loads(template_file(new.template, new.vcs_ref, "pyproject.toml"))
        run.template_version = str(pyproject["project"]["version"])
        central_url = run.settings.central_git_url(run.env.server_url)
        run.rendered = render(new.template, new.vcs_ref, new.answers, workdir / run.name, central_url)
        ci_text = (run.rendered / GENERATED_CI).read_text(encoding="utf-8")
        run.checks = required_checks(
            ci_text, run.settings.central_slug, lambda path: template_file(new.template, new.vcs_ref, path)
        )
    except (ValueError, KeyError, OSError) as exc:
        raise UsageError(f"cannot render {run.name}: {exc}", "fix the template; nothing was written") from exc
