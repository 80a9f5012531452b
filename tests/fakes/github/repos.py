"""Repositories: get, create in an org, list an org's repos, topics, branches.

State: `fake.state["repos"]` maps `org/repo` (lower case) to the repository
JSON. A repo created while `fake.git_root` is set gets a bare git repository,
and its branches are read from that repository, so pushes show up as they
would on GitHub.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fakes.github.server import FakeGitHub, Reply, Request, page


def repos(fake: FakeGitHub) -> dict[str, dict[str, Any]]:
    return fake.state.setdefault("repos", {})  # type: ignore[no-any-return]


def find_repo(fake: FakeGitHub, owner: str, name: str) -> dict[str, Any] | None:
    return repos(fake).get(f"{owner}/{name}".lower())


def user_json(fake: FakeGitHub, login: str, kind: str = "Organization") -> dict[str, Any]:
    api = f"{fake.url}/users/{login}"
    return {
        "login": login,
        "id": abs(hash(login)) % 10**8,
        "node_id": f"U_{login}",
        "avatar_url": "",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.invalid/{login}",
        **{
            f"{part}_url": f"{api}/{part}"
            for part in (
                "followers",
                "following",
                "gists",
                "starred",
                "subscriptions",
                "organizations",
                "repos",
                "events",
                "received_events",
            )
        },
        "type": kind,
        "site_admin": False,
    }


_URL_PARTS = [
    "archive",
    "assignees",
    "blobs",
    "branches",
    "collaborators",
    "comments",
    "commits",
    "compare",
    "contents",
    "contributors",
    "deployments",
    "downloads",
    "events",
    "forks",
    "git_commits",
    "git_refs",
    "git_tags",
    "issue_comment",
    "issue_events",
    "issues",
    "keys",
    "labels",
    "languages",
    "merges",
    "milestones",
    "notifications",
    "pulls",
    "releases",
    "stargazers",
    "statuses",
    "subscribers",
    "subscription",
    "tags",
    "teams",
    "trees",
    "hooks",
]


def add_repo(fake: FakeGitHub, owner: str, name: str, **fields: Any) -> dict[str, Any]:
    """Seed or create a repository; `fields` override the defaults (topics, visibility, ...)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    api = f"{fake.url}/repos/{owner}/{name}"
    visibility = fields.get("visibility", "private")
    repo: dict[str, Any] = {
        "id": fake.new_id(),
        "node_id": f"R_{owner}_{name}",
        "name": name,
        "full_name": f"{owner}/{name}",
        "owner": user_json(fake, owner),
        "private": visibility != "public",
        "visibility": visibility,
        "html_url": f"https://github.invalid/{owner}/{name}",
        "description": None,
        "fork": False,
        "url": api,
        **{f"{part}_url": f"{api}/{part}" for part in _URL_PARTS},
        "git_url": f"git://github.invalid/{owner}/{name}.git",
        "ssh_url": f"git@github.invalid:{owner}/{name}.git",
        "clone_url": f"https://github.invalid/{owner}/{name}.git",
        "svn_url": f"https://github.invalid/{owner}/{name}",
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 0,
        "default_branch": "main",
        "open_issues_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "pushed_at": now,
        "created_at": now,
        "updated_at": now,
        "subscribers_count": 0,
        "network_count": 0,
        "license": None,
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
        "delete_branch_on_merge": False,
        "auto_init": False,
    }
    repo.update(fields)
    repos(fake)[f"{owner}/{name}".lower()] = repo
    if fake.git_root is not None:
        bare = git_dir(fake, owner, name)
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    return repo


def git_dir(fake: FakeGitHub, owner: str, name: str) -> Path:
    assert fake.git_root is not None
    return fake.git_root / owner / f"{name}.git"


def branch_sha(fake: FakeGitHub, owner: str, name: str, branch: str) -> str | None:
    """A branch's head: from the bare repository when there is one, else from seeded state."""
    repo = find_repo(fake, owner, name)
    if repo is None:
        return None
    if fake.git_root is not None and git_dir(fake, owner, name).exists():
        result = subprocess.run(
            [
                "git",
                "-C",
                str(git_dir(fake, owner, name)),
                "rev-parse",
                "--verify",
                "-q",
                f"refs/heads/{branch}",
            ],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() or None
    return repo.get("_branches", {}).get(branch)  # type: ignore[no-any-return]


def _protected(fake: FakeGitHub, owner: str, name: str, branch: str) -> bool:
    """As GitHub says it: classic branch protection or an active ruleset covers the branch."""
    repo = find_repo(fake, owner, name) or {}
    if branch in repo.get("_protection", {}):
        return True
    default = branch == repo.get("default_branch")
    rulesets = fake.state.get("rulesets", {}).get(f"{owner}/{name}".lower(), {})
    return default and (
        bool(repo.get("_rules"))
        or any(
            r.get("enforcement") == "active"
            and "~DEFAULT_BRANCH" in r.get("conditions", {}).get("ref_name", {}).get("include", [])
            for r in rulesets.values()
        )
    )


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}")
    def get_repo(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {k: v for k, v in repo.items() if not k.startswith("_")})

    @fake.route("POST", "/orgs/{org}/repos")
    def create_repo(fake: FakeGitHub, request: Request) -> Reply:
        body = request.body or {}
        name = body.get("name", "")
        if not name:
            return Reply(
                422, {"message": "Validation Failed", "errors": [{"field": "name", "code": "missing"}]}
            )
        if find_repo(fake, request.params["org"], name) is not None:
            return Reply(
                422,
                {
                    "message": "Repository creation failed.",
                    "errors": [{"message": "name already exists on this account"}],
                },
            )
        fields = {
            key: body[key]
            for key in ("description", "visibility", "delete_branch_on_merge", "auto_init")
            if key in body
        }
        if "private" in body and "visibility" not in body:
            fields["visibility"] = "private" if body["private"] else "public"
        repo = add_repo(fake, request.params["org"], name, **fields)
        return Reply(201, {k: v for k, v in repo.items() if not k.startswith("_")})

    @fake.route("GET", "/orgs/{org}/repos")
    def list_org_repos(fake: FakeGitHub, request: Request) -> Reply:
        owned = [
            {k: v for k, v in repo.items() if not k.startswith("_")}
            for key, repo in sorted(repos(fake).items())
            if key.split("/")[0] == request.params["org"].lower()
        ]
        return page(request, owned, fake.url)

    @fake.route("GET", "/repos/{owner}/{repo}/topics")
    def get_topics(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        return Reply(404, {"message": "Not Found"}) if repo is None else Reply(200, {"names": repo["topics"]})

    @fake.route("PUT", "/repos/{owner}/{repo}/topics")
    def put_topics(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return Reply(404, {"message": "Not Found"})
        repo["topics"] = list((request.body or {}).get("names", []))
        return Reply(200, {"names": repo["topics"]})

    @fake.route("GET", "/repos/{owner}/{repo}/branches")
    def list_branches(fake: FakeGitHub, request: Request) -> Reply:
        owner, name = request.params["owner"], request.params["repo"]
        repo = find_repo(fake, owner, name)
        if repo is None:
            return Reply(404, {"message": "Not Found"})
        names = sorted(repo.get("_branches", {}))
        if fake.git_root is not None and git_dir(fake, owner, name).exists():
            listed = subprocess.run(
                [
                    "git",
                    "-C",
                    str(git_dir(fake, owner, name)),
                    "for-each-ref",
                    "--format=%(refname:short)",
                    "refs/heads",
                ],
                capture_output=True,
                text=True,
            )
            names = sorted(listed.stdout.split())
        api = f"{fake.url}/repos/{owner}/{name}"
        branches = []
        for branch in names:
            sha = branch_sha(fake, owner, name, branch) or ""
            branches.append(
                {"name": branch, "commit": {"sha": sha, "url": f"{api}/commits/{sha}"}, "protected": False}
            )
        return page(request, branches, fake.url)

    @fake.route("GET", "/repos/{owner}/{repo}/branches/{branch}")
    def get_branch(fake: FakeGitHub, request: Request) -> Reply:
        owner, name, branch = request.params["owner"], request.params["repo"], request.params["branch"]
        sha = branch_sha(fake, owner, name, branch)
        if sha is None:
            return Reply(404, {"message": "Branch not found"})
        api = f"{fake.url}/repos/{owner}/{name}"
        return Reply(
            200,
            {
                "name": branch,
                "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
                "protected": _protected(fake, owner, name, branch),
                "_links": {
                    "self": f"{api}/branches/{branch}",
                    "html": f"https://github.invalid/{owner}/{name}/tree/{branch}",
                },
                "protection_url": f"{api}/branches/{branch}/protection",
            },
        )
