"""Repository rulesets.

State: `fake.state["rulesets"]` maps `owner/repo` to `{id: ruleset JSON}`.
Names are unique per repository, as on GitHub (a second POST of a name is a 422).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fakes.github.repos import find_repo
from fakes.github.server import FakeGitHub, Reply, Request, page

NOT_FOUND = Reply(404, {"message": "Not Found"})
FIELDS = ("name", "target", "enforcement", "conditions", "rules", "bypass_actors")


def rulesets(fake: FakeGitHub, owner: str, repo: str) -> dict[int, dict[str, Any]]:
    return fake.state.setdefault("rulesets", {}).setdefault(f"{owner}/{repo}".lower(), {})  # type: ignore[no-any-return]


def _summary(ruleset: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ruleset.items() if k not in ("conditions", "rules", "bypass_actors")}


def _store(fake: FakeGitHub, request: Request, ruleset_id: int, old: dict[str, Any]) -> Reply:
    p = request.params
    body = request.body or {}
    merged = {**{k: old.get(k) for k in FIELDS if k in old}, **{k: body[k] for k in FIELDS if k in body}}
    if not merged.get("name") or merged.get("enforcement") not in ("active", "evaluate", "disabled"):
        return Reply(422, {"message": "Validation Failed: name and enforcement are required"})
    clash = [r for i, r in rulesets(fake, p["owner"], p["repo"]).items() if i != ruleset_id]
    if any(r["name"] == merged["name"] for r in clash):
        return Reply(422, {"message": "Validation Failed: Name must be unique"})
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    api = f"{fake.url}/repos/{p['owner']}/{p['repo']}/rulesets/{ruleset_id}"
    ruleset = {
        "id": ruleset_id,
        "node_id": f"RRS_{ruleset_id}",
        "source_type": "Repository",
        "source": f"{p['owner']}/{p['repo']}",
        "target": "branch",
        "bypass_actors": [],
        "conditions": None,
        "rules": [],
        **merged,
        "_links": {"self": {"href": api}, "html": {"href": f"https://github.invalid/rulesets/{ruleset_id}"}},
        "created_at": old.get("created_at", now),
        "updated_at": now,
    }
    rulesets(fake, p["owner"], p["repo"])[ruleset_id] = ruleset
    return Reply(200 if old else 201, ruleset)


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/rulesets")
    def list_rulesets(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        if find_repo(fake, p["owner"], p["repo"]) is None:
            return NOT_FOUND
        found = rulesets(fake, p["owner"], p["repo"])
        return page(request, [_summary(found[i]) for i in sorted(found)], fake.url)

    @fake.route("GET", "/repos/{owner}/{repo}/rulesets/{ruleset_id}")
    def get_ruleset(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        found = rulesets(fake, p["owner"], p["repo"]).get(int(p["ruleset_id"]))
        return NOT_FOUND if found is None else Reply(200, found)

    @fake.route("POST", "/repos/{owner}/{repo}/rulesets")
    def create_ruleset(fake: FakeGitHub, request: Request) -> Reply:
        if find_repo(fake, request.params["owner"], request.params["repo"]) is None:
            return NOT_FOUND
        return _store(fake, request, fake.new_id(), {})

    @fake.route("PUT", "/repos/{owner}/{repo}/rulesets/{ruleset_id}")
    def update_ruleset(fake: FakeGitHub, request: Request) -> Reply:
        p = request.params
        old = rulesets(fake, p["owner"], p["repo"]).get(int(p["ruleset_id"]))
        return NOT_FOUND if old is None else _store(fake, request, int(p["ruleset_id"]), old)
