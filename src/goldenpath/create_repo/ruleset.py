"""The last step: the default branch takes changes only through reviewed pull requests whose CI passed."""

from __future__ import annotations

from typing import Any

from goldenpath.create_repo.context import Run
from goldenpath.github.reconcile import UNCHANGED, creating, updating

RULESET_NAME = "goldenpath-main"
PULL_REQUEST_RULE = {
    "required_approving_review_count": 1,
    "dismiss_stale_reviews_on_push": True,
    "require_code_owner_review": False,
    "require_last_push_approval": False,
    "required_review_thread_resolution": False,
}


def ensure_ruleset(run: Run) -> str:
    desired = ruleset_body(run.checks)
    listed = run.get(f"/repos/{run.org}/{run.name}/rulesets") or []
    ours = next(
        (r for r in listed if r.get("name") == RULESET_NAME and r.get("source_type") != "Organization"), None
    )
    if ours is None:
        if not run.dry_run:
            run.gh.rest.repos.create_repo_ruleset(run.org, run.name, data=desired)  # type: ignore[call-overload]
        return creating(run.dry_run)
    # GitHub lists rulesets without their rules; a listing that has them saves a GET.
    current = ours if "rules" in ours else run.get(f"/repos/{run.org}/{run.name}/rulesets/{ours['id']}")
    if current is not None and _ruleset_shape(current) == _ruleset_shape(desired):
        return UNCHANGED
    if not run.dry_run:
        run.gh.rest.repos.update_repo_ruleset(run.org, run.name, int(ours["id"]), data=desired)  # type: ignore[call-overload]
    return updating(run.dry_run)


def ruleset_body(checks: list[str]) -> dict[str, Any]:
    """The default branch takes changes only through reviewed pull requests whose CI passed."""
    return {
        "name": RULESET_NAME,
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {"type": "pull_request", "parameters": PULL_REQUEST_RULE},
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": False,
                    "required_status_checks": [{"context": check} for check in checks],
                },
            },
        ],
    }


def _ruleset_shape(ruleset: dict[str, Any]) -> dict[str, Any]:
    """What goldenpath decides about a ruleset, ignoring fields GitHub adds."""
    rules = {}
    for rule in ruleset.get("rules") or []:
        params = rule.get("parameters") or {}
        if rule.get("type") == "required_status_checks":
            params = {
                "strict": params.get("strict_required_status_checks_policy"),
                "checks": sorted(c.get("context") for c in params.get("required_status_checks") or []),
            }
        elif rule.get("type") == "pull_request":
            params = {key: params.get(key) for key in PULL_REQUEST_RULE}
        rules[rule.get("type")] = params
    ref_name = (ruleset.get("conditions") or {}).get("ref_name") or {}
    return {
        "target": ruleset.get("target"),
        "enforcement": ruleset.get("enforcement"),
        "include": sorted(ref_name.get("include") or []),
        "exclude": sorted(ref_name.get("exclude") or []),
        "rules": rules,
    }
