"""Deployment environments and their deployment branch policies.

State: `fake.state["environments"]` maps `owner/repo` to `{name: environment JSON}`;
`fake.state["branch_policies"]` maps `owner/repo/env` to a list of policies.
As on GitHub, policies can only be added to an environment that has
`custom_branch_policies: true`, and reviewers must be existing teams.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fakes.github.repos import find_repo
from fakes.github.server import FakeGitHub, Reply, Request, page

NOT_FOUND = Reply(404, {"message": "Not Found"})


def environments(fake: FakeGitHub, owner: str, repo: str) -> dict[str, dict[str, Any]]:
    return fake.state.setdefault("environments", {}).setdefault(f"{owner}/{repo}".lower(), {})  # type: ignore[no-any-return]


def branch_policies(fake: FakeGitHub, owner: str, repo: str, env: str) -> list[dict[str, Any]]:
    key = f"{owner}/{repo}/{env}".lower()
    return fake.state.setdefault("branch_policies", {}).setdefault(key, [])  # type: ignore[no-any-return]


def _team_by_id(fake: FakeGitHub, team_id: Any) -> dict[str, Any] | None:
    return next((t for t in fake.state.get("teams", {}).values() if t["id"] == team_id), None)


def _protection_rules(fake: FakeGitHub, reviewers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not reviewers:
        return []
    return [
        {
            "id": fake.new_id(),
            "node_id": "GA_reviewers",
            "type": "required_reviewers",
            "prevent_self_review": False,
            "reviewers": reviewers,
        }
    ]


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/environments")
    def list_environments(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        if find_repo(fake, p["owner"], p["repo"]) is None:
            return NOT_FOUND
        found = [found for _, found in sorted(environments(fake, p["owner"], p["repo"]).items())]
        chunk = page(request, found, fake.url)
        return Reply(200, {"total_count": len(found), "environments": chunk.body}, chunk.headers)

    @fake.route("GET", "/repos/{owner}/{repo}/environments/{env}")
    def get_environment(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        found = environments(fake, p["owner"], p["repo"]).get(p["env"])
        return NOT_FOUND if found is None else Reply(200, found)

    @fake.route("PUT", "/repos/{owner}/{repo}/environments/{env}")
    def put_environment(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        if find_repo(fake, p["owner"], p["repo"]) is None:
            return NOT_FOUND
        body = request.body or {}
        reviewers = []
        for reviewer in body.get("reviewers") or []:
            team = _team_by_id(fake, reviewer.get("id")) if reviewer.get("type") == "Team" else None
            if team is None:
                return Reply(422, {"message": f"reviewer {reviewer!r} is not a team of this org"})
            reviewers.append({"type": "Team", "reviewer": team})
        policy = body.get("deployment_branch_policy")
        if policy is not None and policy.get("protected_branches") == policy.get("custom_branch_policies"):
            return Reply(422, {"message": "exactly one of protected_branches and custom_branch_policies"})
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        known = environments(fake, p["owner"], p["repo"])
        api = f"{fake.url}/repos/{p['owner']}/{p['repo']}/environments/{p['env']}"
        known[p["env"]] = {
            "id": known.get(p["env"], {}).get("id") or fake.new_id(),
            "node_id": f"EN_{p['env']}",
            "name": p["env"],
            "url": api,
            "html_url": f"https://github.invalid/{p['owner']}/{p['repo']}/deployments/activity_log?environments_filter={p['env']}",
            "created_at": known.get(p["env"], {}).get("created_at", now),
            "updated_at": now,
            "protection_rules": _protection_rules(fake, reviewers),
            "deployment_branch_policy": policy,
        }
        return Reply(200, known[p["env"]])

    @fake.route("GET", "/repos/{owner}/{repo}/environments/{env}/deployment-branch-policies")
    def list_policies(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        if p["env"] not in environments(fake, p["owner"], p["repo"]):
            return NOT_FOUND
        listed = page(request, branch_policies(fake, p["owner"], p["repo"], p["env"]), fake.url)
        all_policies = branch_policies(fake, p["owner"], p["repo"], p["env"])
        return Reply(200, {"total_count": len(all_policies), "branch_policies": listed.body}, listed.headers)

    @fake.route("POST", "/repos/{owner}/{repo}/environments/{env}/deployment-branch-policies")
    def create_policy(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        env = environments(fake, p["owner"], p["repo"]).get(p["env"])
        if env is None or not (env.get("deployment_branch_policy") or {}).get("custom_branch_policies"):
            return NOT_FOUND  # GitHub: custom branch policies must be enabled first
        body = request.body or {}
        existing = branch_policies(fake, p["owner"], p["repo"], p["env"])
        kind = body.get("type", "branch")
        if any(x["name"] == body.get("name") and x["type"] == kind for x in existing):
            return Reply(303, None)  # GitHub: the same pattern already exists
        policy = {"id": fake.new_id(), "node_id": "DBP_x", "name": body.get("name"), "type": kind}
        existing.append(policy)
        return Reply(200, policy)
