"""Pull requests: list (filtered by head, base and state), create, get, update.

State: `fake.state["pulls"]` maps `owner/repo` (lower case) to its pull
requests, oldest first. Like GitHub, a second open PR for the same head and
base is refused (422), and `head` filters take the `owner:branch` form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fakes.github.server import FakeGitHub, Reply, Request, page


def pulls(fake: FakeGitHub, owner: str, repo: str) -> list[dict[str, Any]]:
    store: dict[str, list[dict[str, Any]]] = fake.state.setdefault("pulls", {})
    return store.setdefault(f"{owner}/{repo}".lower(), [])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid(message: str) -> Reply:
    return Reply(422, {"message": "Validation Failed", "errors": [{"message": message}]})


def add_pull(
    fake: FakeGitHub, owner: str, repo: str, *, head: str, created_at: str, title: str, state: str = "open"
) -> dict[str, Any]:
    """Seed a pull request from `head` (`owner:branch`) into `main`, opened at `created_at`."""
    existing = pulls(fake, owner, repo)
    number = 1 + max((p["number"] for p in existing), default=0)
    pull = {
        "id": fake.new_id(),
        "node_id": f"PR_{number}",
        "number": number,
        "url": f"{fake.url}/repos/{owner}/{repo}/pulls/{number}",
        "html_url": f"https://github.invalid/{owner}/{repo}/pull/{number}",
        "state": state,
        "locked": False,
        "title": title,
        "body": None,
        "draft": False,
        "head": {"label": head, "ref": head.split(":", 1)[1]},
        "base": {"label": f"{owner}:main", "ref": "main"},
        "created_at": created_at,
        "updated_at": created_at,
        "closed_at": None,
        "merged_at": None,
    }
    existing.append(pull)
    return pull


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/pulls")
    def list_pulls(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo = request.params["owner"], request.params["repo"]
        state = request.query.get("state", "open")
        if state not in ("open", "closed", "all"):
            return _invalid(f"state must be open, closed or all, not {state!r}")
        head = request.query.get("head")
        base = request.query.get("base")
        found = [
            pull
            for pull in pulls(fake, owner, repo)
            if state in ("all", pull["state"])
            and (head is None or pull["head"]["label"].lower() == head.lower())
            and (base is None or pull["base"]["ref"] == base)
        ]
        return page(request, found, fake.url)

    @fake.route("POST", "/repos/{owner}/{repo}/pulls")
    def create_pull(fake: FakeGitHub, request: Request) -> Reply:
        owner, repo = request.params["owner"], request.params["repo"]
        body = request.body or {}
        missing = [key for key in ("head", "base") if not body.get(key)]
        if missing or not body.get("title"):
            return _invalid(f"missing {', '.join(missing or ['title'])}")
        head = str(body["head"])
        label = head if ":" in head else f"{owner}:{head}"
        existing = pulls(fake, owner, repo)
        if any(
            p["state"] == "open" and p["head"]["label"] == label and p["base"]["ref"] == body["base"]
            for p in existing
        ):
            return _invalid(f"A pull request already exists for {label}.")
        number = 1 + max((p["number"] for p in existing), default=0)
        api = f"{fake.url}/repos/{owner}/{repo}/pulls/{number}"
        pull = {
            "id": fake.new_id(),
            "node_id": f"PR_{number}",
            "number": number,
            "url": api,
            "html_url": f"https://github.invalid/{owner}/{repo}/pull/{number}",
            "state": "open",
            "locked": False,
            "title": body["title"],
            "body": body.get("body"),
            "draft": bool(body.get("draft", False)),
            "head": {"label": label, "ref": label.split(":", 1)[1]},
            "base": {"label": f"{owner}:{body['base']}", "ref": body["base"]},
            "created_at": _now(),
            "updated_at": _now(),
            "closed_at": None,
            "merged_at": None,
        }
        existing.append(pull)
        return Reply(201, pull)

    @fake.route("GET", "/repos/{owner}/{repo}/pulls/{number}")
    def get_pull(fake: FakeGitHub, request: Request) -> Reply:
        pull = _find(fake, request)
        return Reply(200, pull) if pull else Reply(404, {"message": "Not Found"})

    @fake.route("PATCH", "/repos/{owner}/{repo}/pulls/{number}")
    def update_pull(fake: FakeGitHub, request: Request) -> Reply:
        pull = _find(fake, request)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        body = request.body or {}
        if "state" in body and body["state"] not in ("open", "closed"):
            return _invalid(f"state must be open or closed, not {body['state']!r}")
        for key in ("title", "body", "state"):
            if key in body:
                pull[key] = body[key]
        if "base" in body:
            pull["base"] = {"label": f"{request.params['owner']}:{body['base']}", "ref": body["base"]}
        pull["updated_at"] = _now()
        pull["closed_at"] = _now() if pull["state"] == "closed" else None
        return Reply(200, pull)


def _find(fake: FakeGitHub, request: Request) -> dict[str, Any] | None:
    number = int(request.params["number"]) if request.params["number"].isdigit() else -1
    found = [p for p in pulls(fake, request.params["owner"], request.params["repo"]) if p["number"] == number]
    return found[0] if found else None
