"""The deployment environments: acc just exists; prd needs the reviewers team and deploys from tags only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldenpath.create_repo.context import Run
from goldenpath.github.reconcile import UNCHANGED, creating, updating
from goldenpath.settings import RELEASED_ENVIRONMENT

RELEASE_TAG_PATTERN = "v*"  # the tags generated deploy.yml deploys to prd
TAGS_ONLY = {"protected_branches": False, "custom_branch_policies": True}


def ensure_environment(env_name: str) -> Callable[[Run], str]:
    def apply(run: Run) -> str:
        current = run.get(f"/repos/{run.org}/{run.name}/environments/{env_name}")
        body: dict[str, Any] = {}
        if env_name == RELEASED_ENVIRONMENT:
            reviewers = _reviewers(current)
            wanted = {"type": "Team", "id": run.team_ids[run.settings.prd_reviewers]}
            policy = (current or {}).get("deployment_branch_policy")
            if current is not None and wanted in reviewers and policy == TAGS_ONLY:
                return UNCHANGED
            keep = [r for r in reviewers if r != wanted]
            body = {"reviewers": [*keep, wanted], "deployment_branch_policy": TAGS_ONLY}
        elif current is not None:
            return UNCHANGED
        result = creating(run.dry_run) if current is None else updating(run.dry_run)
        if not run.dry_run:
            run.gh.rest.repos.create_or_update_environment(run.org, run.name, env_name, data=body)  # type: ignore[call-overload]
        return result

    return apply


def _reviewers(environment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The reviewers of an environment as GitHub takes them in a PUT: type and id."""
    found = []
    for rule in (environment or {}).get("protection_rules") or []:
        for reviewer in rule.get("reviewers") or []:
            found.append({"type": reviewer.get("type"), "id": (reviewer.get("reviewer") or {}).get("id")})
    return found


def ensure_tag_policy(run: Run) -> str:
    path = f"/repos/{run.org}/{run.name}/environments/{RELEASED_ENVIRONMENT}/deployment-branch-policies"
    listed = run.get(path) or {}
    policies = listed.get("branch_policies") or []
    if any(p.get("name") == RELEASE_TAG_PATTERN and p.get("type") == "tag" for p in policies):
        return UNCHANGED
    if not run.dry_run:
        run.gh.rest.repos.create_deployment_branch_policy(
            run.org, run.name, RELEASED_ENVIRONMENT, data={"name": RELEASE_TAG_PATTERN, "type": "tag"}
        )
    return creating(run.dry_run)
