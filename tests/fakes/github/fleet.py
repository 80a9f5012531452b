"""What the fleet scan reads: git trees, contents, tags, rulesets, branch protection,
environments and workflow runs, plus a seeded synthetic fleet.

State lives on each repo of `repos.py` under private keys (never served as
fields): `_files` (path -> text on the default branch), `_tags`, `_rules`,
`_protection`, `_runs` (workflow file -> runs, newest first). Environments are
`environments.py`'s, open pull requests `pulls.py`'s, and the branch rules
also include the active default-branch rulesets of `rulesets.py`, so a repo
made by create-repo scans as GitHub would show it.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from fakes.github.environments import environments
from fakes.github.pulls import add_pull
from fakes.github.repos import add_repo, find_repo
from fakes.github.rulesets import rulesets
from fakes.github.server import FakeGitHub, Reply, Request, page

_NOT_FOUND = Reply(404, {"message": "Not Found"})


def _active_ruleset_rules(fake: FakeGitHub, owner: str, repo: str) -> list[dict[str, Any]]:
    """Rules of the active branch rulesets targeting the default branch, as the rules endpoint lists them."""
    found = []
    for ruleset in rulesets(fake, owner, repo).values():
        branches = ruleset.get("conditions", {}).get("ref_name", {}).get("include", [])
        if ruleset.get("enforcement") == "active" and "~DEFAULT_BRANCH" in branches:
            found += [
                {**rule, "ruleset_source_type": "Repository", "ruleset_id": ruleset["id"]}
                for rule in ruleset.get("rules", [])
            ]
    return found


def blob_sha(text: str) -> str:
    """Git's blob id, so trees and contents agree the way GitHub's do."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def push_files(fake: FakeGitHub, owner: str, name: str, changes: dict[str, str | None]) -> None:
    """A push to the default branch: change (or delete, with None) files and move `pushed_at`."""
    repo = find_repo(fake, owner, name)
    assert repo is not None
    with fake._lock:
        files = repo.setdefault("_files", {})
        for path, text in changes.items():
            if text is None:
                files.pop(path, None)
            else:
                files[path] = text
        repo["pushed_at"] = _stamp(datetime.now(UTC) + timedelta(seconds=fake.new_id()))


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/git/trees/{ref}")
    def get_tree(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None or request.params["ref"] != repo["default_branch"]:
            return _NOT_FOUND
        files: dict[str, str] = repo.get("_files", {})
        if not files:
            return Reply(409, {"message": "Git Repository is empty."})
        api = f"{fake.url}/repos/{repo['full_name']}/git"
        recursive = request.query.get("recursive") not in (None, "", "0", "false")
        entries: list[dict[str, Any]] = []
        folders = sorted({"/".join(p.split("/")[:n]) for p in files for n in range(1, p.count("/") + 1)})
        for folder in folders:
            if recursive or "/" not in folder:
                entries.append(
                    {
                        "path": folder,
                        "mode": "040000",
                        "type": "tree",
                        "sha": blob_sha(folder),
                        "url": f"{api}/trees/{blob_sha(folder)}",
                    }
                )
        for path, text in sorted(files.items()):
            if recursive or "/" not in path:
                sha = blob_sha(text)
                entries.append(
                    {
                        "path": path,
                        "mode": "100644",
                        "type": "blob",
                        "sha": sha,
                        "size": len(text.encode()),
                        "url": f"{api}/blobs/{sha}",
                    }
                )
        entries.sort(key=lambda entry: entry["path"])
        tree_sha = hashlib.sha1(repr(entries).encode(), usedforsecurity=False).hexdigest()
        return Reply(
            200, {"sha": tree_sha, "url": f"{api}/trees/{tree_sha}", "tree": entries, "truncated": False}
        )

    @fake.route("GET", "/repos/{owner}/{repo}/contents/{path+}")
    def get_content(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        ref = request.query.get("ref", repo["default_branch"] if repo else "")
        if repo is None or ref != repo["default_branch"]:
            return _NOT_FOUND
        path = request.params["path"]
        text = repo.get("_files", {}).get(path)
        if text is None:
            return _NOT_FOUND
        sha = blob_sha(text)
        api = f"{fake.url}/repos/{repo['full_name']}"
        html = f"{repo['html_url']}/blob/{ref}/{path}"
        return Reply(
            200,
            {
                "type": "file",
                "encoding": "base64",
                "size": len(text.encode()),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": base64.b64encode(text.encode()).decode(),
                "sha": sha,
                "url": f"{api}/contents/{path}?ref={ref}",
                "git_url": f"{api}/git/blobs/{sha}",
                "html_url": html,
                "download_url": None,
                "_links": {"self": f"{api}/contents/{path}", "git": f"{api}/git/blobs/{sha}", "html": html},
            },
        )

    @fake.route("GET", "/repos/{owner}/{repo}/tags")
    def list_tags(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return _NOT_FOUND
        api = f"{fake.url}/repos/{repo['full_name']}"
        tags = [
            {
                "name": name,
                "commit": {"sha": blob_sha(name), "url": f"{api}/commits/{blob_sha(name)}"},
                "zipball_url": f"{api}/zipball/{name}",
                "tarball_url": f"{api}/tarball/{name}",
                "node_id": f"T_{name}",
            }
            for name in repo.get("_tags", [])
        ]
        return page(request, tags, fake.url)

    @fake.route("GET", "/repos/{owner}/{repo}/rules/branches/{branch}")
    def branch_rules(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return _NOT_FOUND
        owner, name = request.params["owner"], request.params["repo"]
        return page(request, [*repo.get("_rules", []), *_active_ruleset_rules(fake, owner, name)], fake.url)

    @fake.route("GET", "/repos/{owner}/{repo}/branches/{branch}/protection")
    def branch_protection(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None:
            return Reply(404, {"message": "Branch not found"})
        protection = repo.get("_protection", {}).get(request.params["branch"])
        if protection is None:
            return Reply(404, {"message": "Branch not protected"})
        return Reply(200, protection)

    @fake.route("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs")
    def workflow_runs(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None or request.params["workflow"] not in repo.get("_runs", {}):
            return _NOT_FOUND
        runs = [
            run
            for run in repo["_runs"][request.params["workflow"]]
            if request.query.get("branch") in (None, run["head_branch"])
        ]
        chunk = page(request, runs, fake.url)
        return Reply(200, {"total_count": len(runs), "workflow_runs": chunk.body}, chunk.headers)


# -- the synthetic fleet -------------------------------------------------------------
CENTRAL_TAGS = ("v0.9.0", "v1.0.0", "v1.1.0", "v1.2.0", "v1")
NEWEST = "v1.2.0"
SHA_PIN = "0123456789abcdef0123456789abcdef01234567"
# Repos of each kind, in turn, until the fleet has its size.
KINDS = ("compliant", "behind", "pinned", "sha", "unsupported", "off-road", "unprotected", "classic", "bare")
# One repo each, besides the kinds.
SPECIAL = ("hand-made", "unrelated", "other-template", "broken", "rate-limited")


@dataclass
class Fleet:
    """Which repo is which kind, and the moment the fleet was seeded (for PR ages)."""

    org: str
    central: str
    now: datetime
    kinds: dict[str, list[str]] = field(default_factory=dict)

    def first(self, kind: str) -> str:
        return self.kinds[kind][0]

    @property
    def members(self) -> int:
        """Repos the scan must report: every kind and special except the two that are not ours."""
        return sum(
            len(names) for kind, names in self.kinds.items() if kind not in ("unrelated", "other-template")
        )


def template_files(root: Path) -> dict[str, str]:
    """A rendered repo's files (from the real template), as the fleet repos start from."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def seed_fleet(
    fake: FakeGitHub, base: dict[str, str], *, org: str, central_repo: str, size: int = 500
) -> Fleet:
    """Seed the central repo and `size` repos: every kind, in turn, plus one of each special."""
    now = datetime.now(UTC)
    fleet = Fleet(org, f"{org}/{central_repo}", now)
    add_repo(
        fake, org, central_repo, topics=["goldenpath-central"], _tags=list(reversed(CENTRAL_TAGS)), _files={}
    )
    names = [(kind, f"{kind}-0") for kind in SPECIAL]
    names += [
        (KINDS[i % len(KINDS)], f"{KINDS[i % len(KINDS)]}-{i // len(KINDS) + 1:03d}")
        for i in range(size - len(SPECIAL))
    ]
    for kind, name in names:
        fleet.kinds.setdefault(kind, []).append(name)
        _seed_repo(fake, fleet, base, kind, name)
    return fleet


def _seed_repo(fake: FakeGitHub, fleet: Fleet, base: dict[str, str], kind: str, name: str) -> None:
    org = fleet.org
    files = dict(base)
    version = {"behind": "v1.0.0", "pinned": "v1.1.0", "unsupported": "v0.9.0"}.get(kind, NEWEST)
    source = (
        f"https://github.com/{fleet.central}.git"
        if kind != "other-template"
        else "gh:someone-else/cookiecutter-ds"
    )
    files[".copier-answers.yml"] = _answers(base[".copier-answers.yml"], version, source)
    files["poetry.lock"] = (
        "# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.\n"
    )
    if kind in ("compliant", "classic", "hand-made", "rate-limited", "broken"):
        files["README.md"] = (
            base["README.md"] + "\n## Model card\n\nWhat the model predicts, on which data, and its limits.\n"
        )
    if kind == "pinned":
        files.update(_retag(files, "@v1\n", "@v1.1.0\n"))
    if kind == "sha":
        files.update(_retag(files, "@v1\n", f"@{SHA_PIN}\n"))
    if kind == "off-road":
        files.pop(".github/workflows/deploy.yml")
        files.pop(".github/workflows/template-update.yml")
        files[".github/workflows/ci.yml"] = _OWN_CI
    if kind == "behind":
        files.pop("poetry.lock")
    if kind == "bare":
        files = {path: files[path] for path in ("README.md", ".copier-answers.yml")}
    if kind == "unrelated":
        files = {"README.md": "# notes\n"}
    protected = kind not in ("unprotected", "bare", "classic")
    add_repo(
        fake,
        org,
        name,
        topics=["goldenpath", "ml"] if kind not in SPECIAL[:3] else [],
        _files=files,
        _tags=[] if kind == "bare" else ["v0.1.0", "v0.2.0"],
        _rules=[_pull_request_rule(org, name)] if protected else [],
        _protection={"main": _classic_protection(fake, org, name)} if kind == "classic" else {},
        _runs={}
        if kind in ("bare", "off-road")
        else {"ci.yml": [_run(fake, org, name, "failure" if kind == "behind" else "success", fleet.now)]},
        _branches={"main": blob_sha(name)},
    )
    if kind != "bare":
        environments(fake, org, name)["prd"] = _environment(fake, org, name, reviewers=kind != "unprotected")
    if kind == "behind":
        add_pull(
            fake,
            org,
            name,
            head=f"{org}:goldenpath/update",
            created_at=_stamp(fleet.now - timedelta(days=12)),
            title="Update to goldenpath v1.2.0",
        )
    if kind == "broken":
        fake.faults.append(_always_500(f"/repos/{org}/{name}/git/trees/"))
    if kind == "rate-limited":
        fake.faults.append(_rate_limited_once(f"/repos/{org}/{name}/git/trees/"))


def _answers(text: str, commit: str, source: str) -> str:
    answers = yaml.safe_load(text)
    answers["_commit"] = commit
    answers["_src_path"] = source
    return "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n" + yaml.safe_dump(
        answers, sort_keys=True
    )


def _retag(files: dict[str, str], old: str, new: str) -> Iterable[tuple[str, str]]:
    for path, text in files.items():
        if path.startswith(".github/workflows/"):
            yield path, text.replace(old, new)


_OWN_CI = """name: ci
on:
  pull_request:
  push:
    branches: [main]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - run: pipx run poetry install && pipx run poetry run pytest
"""


def _pull_request_rule(org: str, name: str) -> dict[str, Any]:
    return {
        "type": "pull_request",
        "parameters": {
            "required_approving_review_count": 1,
            "dismiss_stale_reviews_on_push": True,
            "require_code_owner_review": True,
            "require_last_push_approval": False,
            "required_review_thread_resolution": False,
            "allowed_merge_methods": ["squash"],
        },
        "ruleset_source_type": "Repository",
        "ruleset_source": f"{org}/{name}",
        "ruleset_id": 7,
    }


def _classic_protection(fake: FakeGitHub, org: str, name: str) -> dict[str, Any]:
    api = f"{fake.url}/repos/{org}/{name}/branches/main/protection"
    return {
        "url": api,
        "required_pull_request_reviews": {
            "url": f"{api}/required_pull_request_reviews",
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True,
            "required_approving_review_count": 1,
        },
        "enforce_admins": {"url": f"{api}/enforce_admins", "enabled": True},
    }


def _environment(fake: FakeGitHub, org: str, name: str, *, reviewers: bool) -> dict[str, Any]:
    rules = (
        [
            {
                "id": 3,
                "node_id": "GA_3",
                "type": "required_reviewers",
                "prevent_self_review": True,
                "reviewers": [
                    {"type": "Team", "reviewer": {"id": 5, "slug": "ml-platform", "name": "ml-platform"}}
                ],
            }
        ]
        if reviewers
        else []
    )
    return {
        "id": 11,
        "node_id": "EN_11",
        "name": "prd",
        "url": f"{fake.url}/repos/{org}/{name}/environments/prd",
        "html_url": f"https://github.invalid/{org}/{name}/deployments/activity_log?environments_filter=prd",
        "created_at": "2026-01-05T10:00:00Z",
        "updated_at": "2026-01-05T10:00:00Z",
        "protection_rules": rules,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }


def _run(fake: FakeGitHub, org: str, name: str, conclusion: str, now: datetime) -> dict[str, Any]:
    number = fake.new_id()
    return {
        "id": number,
        "name": "ci",
        "head_branch": "main",
        "head_sha": blob_sha(name),
        "event": "push",
        "status": "completed",
        "conclusion": conclusion,
        "workflow_id": 1,
        "html_url": f"https://github.invalid/{org}/{name}/actions/runs/{number}",
        "created_at": _stamp(now - timedelta(hours=3)),
        "updated_at": _stamp(now - timedelta(hours=2)),
    }


def _always_500(prefix: str) -> Any:
    def fault(method: str, path: str) -> Reply | None:
        return Reply(500, {"message": "Server Error"}) if path.startswith(prefix) else None

    return fault


def _rate_limited_once(prefix: str) -> Any:
    """A 403 with `x-ratelimit-remaining: 0` and a reset one second ahead, the first time only."""
    answered: list[bool] = []

    def fault(method: str, path: str) -> Reply | None:
        if not path.startswith(prefix) or answered:
            return None
        answered.append(True)
        reset = int(time.time()) + 1
        return Reply(
            403,
            {
                "message": "API rate limit exceeded for installation.",
                "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api",
            },
            {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(reset),
                "x-ratelimit-resource": "core",
            },
        )

    return fault
