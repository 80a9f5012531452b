"""Releases: get by tag, create, update, list.

State: `fake.state["releases"]` maps `org/repo` (lower case) to the repository's
release JSONs, newest first (GitHub's order). The repository must exist
(`repos.add_repo`). Like GitHub, a tag has at most one release (a second create
answers 422 `already_exists`); unlike GitHub, the fake never creates a missing
git tag, so a caller that publishes a release must push the tag itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fakes.github.repos import find_repo, user_json
from fakes.github.server import FakeGitHub, Reply, Request, page

_FIELDS = ("tag_name", "target_commitish", "name", "body", "draft", "prerelease")
_NOT_FOUND = Reply(404, {"message": "Not Found"})


def releases(fake: FakeGitHub, owner: str, repo: str) -> list[dict[str, Any]]:
    """The repository's releases, newest first (what tests read and seed)."""
    return fake.state.setdefault("releases", {}).setdefault(f"{owner}/{repo}".lower(), [])  # type: ignore[no-any-return]


def _release_json(fake: FakeGitHub, owner: str, repo: str, body: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    number = fake.new_id()
    api = f"{fake.url}/repos/{owner}/{repo}/releases/{number}"
    tag = body["tag_name"]
    draft = bool(body.get("draft", False))
    return {
        "url": api,
        "html_url": f"https://github.invalid/{owner}/{repo}/releases/tag/{tag}",
        "assets_url": f"{api}/assets",
        "upload_url": f"{fake.url}/repos/{owner}/{repo}/releases/{number}/assets{{?name,label}}",
        "tarball_url": f"{fake.url}/repos/{owner}/{repo}/tarball/{tag}",
        "zipball_url": f"{fake.url}/repos/{owner}/{repo}/zipball/{tag}",
        "id": number,
        "node_id": f"RE_{number}",
        "tag_name": tag,
        "target_commitish": body.get("target_commitish") or "main",
        "name": body.get("name"),
        "body": body.get("body"),
        "draft": draft,
        "prerelease": bool(body.get("prerelease", False)),
        "make_latest": body.get("make_latest", "true"),
        "created_at": now,
        "published_at": None if draft else now,
        "author": user_json(fake, "goldenpath-release[bot]", "Bot"),
        "assets": [],
    }


def _public(release: dict[str, Any]) -> dict[str, Any]:
    """GitHub never returns make_latest; the fake keeps it so tests can see what was asked."""
    return {key: value for key, value in release.items() if key != "make_latest"}


def _invalid(body: Any) -> Reply | None:
    if not isinstance(body, dict):
        return Reply(400, {"message": "Problems parsing JSON"})
    for key in ("name", "body", "target_commitish"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return Reply(422, {"message": "Validation Failed", "errors": [{"field": key, "code": "invalid"}]})
    for key in ("draft", "prerelease"):
        if key in body and not isinstance(body[key], bool):
            return Reply(422, {"message": "Validation Failed", "errors": [{"field": key, "code": "invalid"}]})
    if body.get("make_latest", "true") not in ("true", "false", "legacy"):
        return Reply(
            422, {"message": "Validation Failed", "errors": [{"field": "make_latest", "code": "invalid"}]}
        )
    return None


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/releases/tags/{tag+}")
    def get_by_tag(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo, tag = request.params["owner"], request.params["repo"], request.params["tag"]
        if find_repo(fake, owner, repo) is None:
            return _NOT_FOUND
        found = [r for r in releases(fake, owner, repo) if r["tag_name"] == tag and not r["draft"]]
        return Reply(200, _public(found[0])) if found else _NOT_FOUND

    @fake.route("GET", "/repos/{owner}/{repo}/releases")
    def list_releases(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo = request.params["owner"], request.params["repo"]
        if find_repo(fake, owner, repo) is None:
            return _NOT_FOUND
        return page(request, [_public(r) for r in releases(fake, owner, repo)], fake.url)

    @fake.route("POST", "/repos/{owner}/{repo}/releases")
    def create(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo = request.params["owner"], request.params["repo"]
        if find_repo(fake, owner, repo) is None:
            return _NOT_FOUND
        invalid = _invalid(request.body)
        if invalid is not None:
            return invalid
        tag = request.body.get("tag_name")
        if not isinstance(tag, str) or not tag:
            return Reply(
                422,
                {"message": "Validation Failed", "errors": [{"field": "tag_name", "code": "missing_field"}]},
            )
        if any(r["tag_name"] == tag for r in releases(fake, owner, repo)):
            return Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
                },
            )
        release = _release_json(fake, owner, repo, request.body)
        releases(fake, owner, repo).insert(0, release)
        return Reply(201, _public(release))

    @fake.route("PATCH", "/repos/{owner}/{repo}/releases/{release_id}")
    def update(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo = request.params["owner"], request.params["repo"]
        found = [r for r in releases(fake, owner, repo) if str(r["id"]) == request.params["release_id"]]
        if find_repo(fake, owner, repo) is None or not found:
            return _NOT_FOUND
        invalid = _invalid(request.body)
        if invalid is not None:
            return invalid
        release = found[0]
        for key in (*_FIELDS, "make_latest"):
            if key in request.body:
                release[key] = request.body[key]
        if not release["draft"] and release["published_at"] is None:
            release["published_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Reply(200, _public(release))
