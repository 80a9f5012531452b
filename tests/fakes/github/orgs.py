"""Organization teams and their memberships.

State: `fake.state["teams"]` maps `org/slug` to the team JSON;
`fake.state["memberships"]` maps `org/slug/login` to `active` or `pending`.
"""

from __future__ import annotations

from typing import Any

from fakes.github.server import FakeGitHub, Reply, Request


def add_team(fake: FakeGitHub, org: str, slug: str, members: dict[str, str] | None = None) -> dict[str, Any]:
    """Seed a team; `members` maps login to membership state (`active` or `pending`)."""
    api = f"{fake.url}/orgs/{org}/teams/{slug}"
    team = {
        "id": fake.new_id(),
        "node_id": f"T_{slug}",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "permission": "pull",
        "url": api,
        "html_url": f"https://github.invalid/orgs/{org}/teams/{slug}",
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "type": "organization",
        "parent": None,
    }
    fake.state.setdefault("teams", {})[f"{org}/{slug}".lower()] = team
    for login, state in (members or {}).items():
        fake.state.setdefault("memberships", {})[f"{org}/{slug}/{login}".lower()] = state
    return team


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/orgs/{org}/teams/{team}")
    def get_team(fake: FakeGitHub, request: Request) -> Reply:
        team = fake.state.get("teams", {}).get(f"{request.params['org']}/{request.params['team']}".lower())
        return Reply(404, {"message": "Not Found"}) if team is None else Reply(200, team)

    @fake.route("GET", "/orgs/{org}/teams/{team}/memberships/{login}")
    def get_membership(fake: FakeGitHub, request: Request) -> Reply:
        org, team, login = request.params["org"], request.params["team"], request.params["login"]
        state = fake.state.get("memberships", {}).get(f"{org}/{team}/{login}".lower())
        if state is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(
            200,
            {
                "url": f"{fake.url}/orgs/{org}/teams/{team}/memberships/{login}",
                "role": "member",
                "state": state,
            },
        )
