"""Who may use a repository: team permissions and org secrets with selected repositories.

State: `fake.state["team_repos"]` maps `org/team` to `{owner/repo: permission}`;
`fake.state["org_secrets"]` maps `org/NAME` to `{"visibility", "repository_ids"}`.
Secret values never exist here: only which repositories may read a secret.
"""

from __future__ import annotations

from typing import Any

from fakes.github.repos import find_repo, repos
from fakes.github.server import FakeGitHub, Reply, Request, page

NOT_FOUND = Reply(404, {"message": "Not Found"})
PERMISSIONS = ("pull", "triage", "push", "maintain", "admin")
REPOSITORY_MEDIA_TYPE = "application/vnd.github.v3.repository+json"


def team_repos(fake: FakeGitHub, org: str, team: str) -> dict[str, str]:
    return fake.state.setdefault("team_repos", {}).setdefault(f"{org}/{team}".lower(), {})  # type: ignore[no-any-return]


def add_org_secret(fake: FakeGitHub, org: str, name: str, visibility: str = "selected") -> dict[str, Any]:
    """Seed an org secret as the platform team sets it up (its value is never modelled)."""
    secret: dict[str, Any] = {"visibility": visibility, "repository_ids": []}
    fake.state.setdefault("org_secrets", {})[f"{org}/{name}".lower()] = secret
    return secret


def org_secret(fake: FakeGitHub, org: str, name: str) -> dict[str, Any] | None:
    return fake.state.get("org_secrets", {}).get(f"{org}/{name}".lower())  # type: ignore[no-any-return]


def _team_exists(fake: FakeGitHub, org: str, team: str) -> bool:
    return f"{org}/{team}".lower() in fake.state.get("teams", {})


def _public(repo: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in repo.items() if not k.startswith("_")}


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/orgs/{org}/teams/{team}/repos/{owner}/{repo}")
    def check_team_repo(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        repo = find_repo(fake, p["owner"], p["repo"])
        granted = team_repos(fake, p["org"], p["team"]).get(f"{p['owner']}/{p['repo']}".lower())
        if repo is None or granted is None or not _team_exists(fake, p["org"], p["team"]):
            return NOT_FOUND
        if REPOSITORY_MEDIA_TYPE not in request.headers.get("accept", ""):
            return Reply(204)
        level = PERMISSIONS.index(granted)
        flags = {name: index <= level for index, name in enumerate(PERMISSIONS)}
        return Reply(200, {**_public(repo), "permissions": flags, "role_name": granted})

    @fake.route("PUT", "/orgs/{org}/teams/{team}/repos/{owner}/{repo}")
    def put_team_repo(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        permission = (request.body or {}).get("permission", "push")
        if find_repo(fake, p["owner"], p["repo"]) is None or not _team_exists(fake, p["org"], p["team"]):
            return NOT_FOUND
        if permission not in PERMISSIONS:
            return Reply(422, {"message": f"permission must be one of {PERMISSIONS}"})
        team_repos(fake, p["org"], p["team"])[f"{p['owner']}/{p['repo']}".lower()] = permission
        return Reply(204)

    @fake.route("GET", "/orgs/{org}/actions/secrets/{name}/repositories")
    def list_secret_repos(fake: FakeGitHub, request: Request) -> Reply:
        secret = org_secret(fake, request.params["org"], request.params["name"])
        if secret is None:
            return NOT_FOUND
        selected = [_public(r) for r in repos(fake).values() if r["id"] in secret["repository_ids"]]
        listed = page(request, selected, fake.url)
        return Reply(200, {"total_count": len(selected), "repositories": listed.body}, listed.headers)

    @fake.route("PUT", "/orgs/{org}/actions/secrets/{name}/repositories/{repository_id}")
    def add_secret_repo(fake: FakeGitHub, request: Request) -> Reply:
        secret = org_secret(fake, request.params["org"], request.params["name"])
        if secret is None:
            return NOT_FOUND
        if secret["visibility"] != "selected":
            return Reply(409, {"message": "the secret's visibility is not 'selected'"})
        repository_id = int(request.params["repository_id"])
        if repository_id not in secret["repository_ids"]:
            secret["repository_ids"].append(repository_id)
        return Reply(204)
