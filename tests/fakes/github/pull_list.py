"""Listing pull requests (`GET /repos/{owner}/{repo}/pulls`, with `state` and `head` filters).

State: `fake.state["pull_list"]` maps `owner/repo` (lower case) to its pull
requests. Kept apart from the module that creates and updates pull requests,
so the fleet scan's reads do not depend on it.
"""

from __future__ import annotations

from typing import Any

from fakes.github.repos import find_repo
from fakes.github.server import FakeGitHub, Reply, Request, page


def pulls(fake: FakeGitHub, owner: str, name: str) -> list[dict[str, Any]]:
    store: dict[str, list[dict[str, Any]]] = fake.state.setdefault("pull_list", {})
    return store.setdefault(f"{owner}/{name}".lower(), [])


def add_pull(
    fake: FakeGitHub, owner: str, name: str, *, head: str, created_at: str, title: str, state: str = "open"
) -> dict[str, Any]:
    """Seed a pull request from `head` (`owner:branch`) into the default branch."""
    number = len(pulls(fake, owner, name)) + 1
    head_owner, head_ref = head.split(":", 1)
    pull = {
        "number": number,
        "state": state,
        "title": title,
        "html_url": f"https://github.invalid/{owner}/{name}/pull/{number}",
        "url": f"{fake.url}/repos/{owner}/{name}/pulls/{number}",
        "created_at": created_at,
        "updated_at": created_at,
        "head": {"ref": head_ref, "label": head, "user": {"login": head_owner}},
        "base": {"ref": "main", "label": f"{owner}:main"},
        "draft": False,
    }
    pulls(fake, owner, name).append(pull)
    return pull


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/pulls")
    def list_pulls(fake: FakeGitHub, request: Request) -> Reply:
        owner, name = request.params["owner"], request.params["repo"]
        if find_repo(fake, owner, name) is None:
            return Reply(404, {"message": "Not Found"})
        state = request.query.get("state", "open")
        head = request.query.get("head")
        chosen = [
            pull
            for pull in pulls(fake, owner, name)
            if state in ("all", pull["state"]) and (head is None or pull["head"]["label"] == head)
        ]
        return page(request, chosen, fake.url)
