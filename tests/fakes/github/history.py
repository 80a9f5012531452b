"""A fleet repo's commit history: every push is a commit holding a snapshot of the files.

State on the repo (a private key, never served): `_commits`, newest first, each
`{"sha", "date", "message", "files"}`. A repo seeded without it has one commit:
its files, at its `pushed_at`. `fleet.push_files` records each push through
`record`; `GET /repos/{owner}/{repo}/commits` lists the commits of the default
branch that changed a `path` (with `since`, `until` and paging), and the
contents route of `fleet.py` serves a file as it was at a commit (`ref=<sha>`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fakes.github.repos import find_repo
from fakes.github.server import FakeGitHub, Reply, Request, page


def blob_sha(text: str) -> str:
    """Git's blob id, so trees and contents agree the way GitHub's do."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def commits(repo: dict[str, Any]) -> list[dict[str, Any]]:
    """The default branch's commits, newest first (the seeded files are one commit)."""
    found: list[dict[str, Any]] | None = repo.get("_commits")
    if found is not None:
        return found
    return [
        {
            "sha": blob_sha(repo["name"]),  # what the seeded `_branches` name
            "date": str(repo.get("pushed_at") or stamp(datetime.now(UTC))),
            "message": "Initial commit",
            "files": dict(repo.get("_files", {})),
        }
    ]


def record(repo: dict[str, Any], files: dict[str, str], message: str, at: datetime) -> str:
    """`files` as a new commit on the default branch, made `at`; its sha (the caller holds the lock)."""
    history = commits(repo)
    sha = hashlib.sha1(
        f"{history[0]['sha']}\n{message}\n{stamp(at)}".encode(), usedforsecurity=False
    ).hexdigest()
    repo["_commits"] = [{"sha": sha, "date": stamp(at), "message": message, "files": files}, *history]
    return sha


def snapshot(repo: dict[str, Any], sha: str) -> dict[str, str] | None:
    """The files as they were at commit `sha`, None when the repo has no such commit."""
    return next((commit["files"] for commit in commits(repo) if commit["sha"] == sha), None)


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/commits")
    def list_commits(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return Reply(404, {"message": "Not Found"})
        if request.query.get("sha", repo["default_branch"]) != repo["default_branch"]:
            return Reply(404, {"message": f"No commit found for SHA: {request.query['sha']}"})
        path = request.query.get("path")
        since, until = _moment(request.query.get("since")), _moment(request.query.get("until"))
        history = commits(repo)
        found = []
        for index, commit in enumerate(history):
            parent = history[index + 1] if index + 1 < len(history) else None
            if path and commit["files"].get(path) == (parent["files"].get(path) if parent else None):
                continue
            when = _moment(commit["date"])
            if (since and when and when < since) or (until and when and when > until):
                continue
            found.append(_commit_json(fake, repo, commit, parent))
        return page(request, found, fake.url)


def _commit_json(
    fake: FakeGitHub, repo: dict[str, Any], commit: dict[str, Any], parent: dict[str, Any] | None
) -> dict[str, Any]:
    api, html = f"{fake.url}/repos/{repo['full_name']}", repo["html_url"]
    person = {
        "name": "goldenpath[bot]",
        "email": "goldenpath[bot]@users.noreply.github.com",
        "date": commit["date"],
    }
    return {
        "sha": commit["sha"],
        "node_id": f"C_{commit['sha'][:12]}",
        "commit": {
            "author": person,
            "committer": person,
            "message": commit["message"],
            "tree": {
                "sha": blob_sha(repr(sorted(commit["files"]))),
                "url": f"{api}/git/trees/{commit['sha']}",
            },
            "url": f"{api}/git/commits/{commit['sha']}",
            "comment_count": 0,
        },
        "url": f"{api}/commits/{commit['sha']}",
        "html_url": f"{html}/commit/{commit['sha']}",
        "comments_url": f"{api}/commits/{commit['sha']}/comments",
        "author": None,
        "committer": None,
        "parents": (
            [
                {
                    "sha": parent["sha"],
                    "url": f"{api}/commits/{parent['sha']}",
                    "html_url": f"{html}/commit/{parent['sha']}",
                }
            ]
            if parent
            else []
        ),
    }


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
