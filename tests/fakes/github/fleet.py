"""What the fleet scan reads: git trees, contents, tags, rulesets, branch protection and workflow runs.

The seeded synthetic fleet is `fleet_seed.py`; each push's commit, `history.py`.

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
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from fakes.github.history import blob_sha, record, snapshot, stamp
from fakes.github.repos import find_repo
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


def push_files(
    fake: FakeGitHub,
    owner: str,
    name: str,
    changes: dict[str, str | None],
    *,
    at: datetime | None = None,
    message: str = "Update files",
) -> None:
    """A push to the default branch: one commit (made `at`, default now) that changes (or deletes, with
    None) files; it moves `pushed_at`."""
    repo = find_repo(fake, owner, name)
    assert repo is not None
    with fake._lock:
        files = dict(repo.get("_files", {}))
        for path, text in changes.items():
            if text is None:
                files.pop(path, None)
            else:
                files[path] = text
        sha = record(repo, files, message, at or datetime.now(UTC))
        repo["_files"] = files
        repo["_branches"] = {**repo.get("_branches", {}), repo["default_branch"]: sha}
        repo["pushed_at"] = stamp(datetime.now(UTC) + timedelta(seconds=fake.new_id()))


def _http_date(stamp: str) -> str:
    """`Last-Modified` of a file: the repo's last push, as GitHub dates its contents."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _branches(repo: dict[str, Any]) -> set[str]:
    """Branches holding `_files` (they all do, as seeded): `_branches`, else just the default branch."""
    return set(repo.get("_branches") or {repo["default_branch"]: ""})


def install(fake: FakeGitHub) -> None:
    @fake.route("GET", "/repos/{owner}/{repo}/git/trees/{ref}")
    def get_tree(fake: FakeGitHub, request: Request) -> Reply:
        repo = find_repo(fake, request.params["owner"], request.params["repo"])
        if repo is None or request.params["ref"] not in _branches(repo):
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
        files = (
            None
            if repo is None
            else repo.get("_files", {})
            if ref in _branches(repo)
            else snapshot(repo, ref)
        )
        if repo is None or files is None:
            return _NOT_FOUND
        path = request.params["path"]
        text = files.get(path)
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
            {"Last-Modified": _http_date(str(repo.get("pushed_at") or ""))},
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
