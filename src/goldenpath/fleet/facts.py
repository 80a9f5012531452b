"""What one repo holds, read through githubkit: tree, files, protection, environments, PRs, CI, tags.

Calls per repo are bounded: one recursive tree (not a clone), one contents
read per file the statements need, and one call per GitHub fact. What a scan
keeps for the next one lives in the `Store` (the `--cache` directory, or
memory): every GET is revalidated from its stored answer (a 304 costs no
rate limit), file texts are kept by blob SHA (the tree names them, so an
unchanged file costs no call), and a repo whose `pushed_at` is unchanged
reuses its tree and tags (both change only by a push).

Edges, decided: a tree that answers 409 "Git Repository is empty" is an empty
repo (no files; the statements fail on what is missing); a tree that answers
404 is asked once more through the branch list: no branch at all is an empty
repo too, while a repo with branches but without its default branch cannot be
judged, so its row gets an `error` and every verdict stays unknown.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import RequestFailed

from goldenpath.ab_config import AB_FILE
from goldenpath.bundle import ROOT_FILES, YamlFile, included_paths
from goldenpath.fleet import protection
from goldenpath.fleet.file_history import HISTORY_LIMIT, FileHistory, read_history
from goldenpath.fleet.listing import MAX_PAGES, read_all
from goldenpath.fleet.model import CIRun, Evidence, UpdatePR
from goldenpath.fleet.protection import Approvals, or_absent
from goldenpath.fleet.store import Store
from goldenpath.fleet.transport import CachingTransport, Meter
from goldenpath.github.client import GitHubEnv, api_client, bounded_transport

ANSWERS_FILE = ".copier-answers.yml"
README_FILE = "README.md"
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# The branch `goldenpath update` pushes its pull request from.
UPDATE_BRANCH = "goldenpath/update"
# How far back an A/B test counts (statement 59).
EXPERIMENT_WINDOW = timedelta(days=90)
# Store memo kinds.
TREE, BLOB, OUTSIDER, HISTORY = "tree", "blob", "outsider", "history"
_TEXTS_IN_MEMORY = 2048


class BranchGone(Exception):
    """The repo has branches, but not the default branch its settings name."""


def wanted_file(path: str) -> bool:
    """Files whose text the statements and the owner read, besides the files the bundle includes
    (`bundle_includes`); everything else is judged by its presence."""
    return path in (ANSWERS_FILE, *ROOT_FILES, README_FILE, *CODEOWNERS_PATHS, AB_FILE) or (
        path.startswith(".github/workflows/") and path.count("/") == 2 and path.endswith((".yml", ".yaml"))
    )


def bundle_includes(files: dict[str, str], paths: dict[str, str]) -> list[str]:
    """The tree's files that the bundle root among `files` includes, as the Databricks CLI loads them."""
    root = next((name for name in ROOT_FILES if name in files), None)
    if root is None:
        return []
    found, _ = included_paths(list(_include(files[root])), paths, root)
    return found


@functools.lru_cache(maxsize=256)
def _include(text: str) -> tuple[str, ...]:
    """The `include:` entries of a bundle root (the template's root repeats across a fleet: read once)."""
    include = YamlFile.parse("", text).get("include")
    return tuple(str(entry) for entry in include) if isinstance(include, list) else ()


@dataclass
class RepoFacts:
    full_name: str
    html_url: str
    default_branch: str
    paths: dict[str, str] = field(default_factory=dict)  # path -> blob sha, every blob in the tree
    files: dict[str, str] = field(default_factory=dict)  # path -> text of the wanted files
    has_tags: bool | None = None
    approvals: Approvals | None = None
    prd_reviewers: tuple[Evidence, ...] | None = None  # None: unknown; (): no reviewers
    update_pr: UpdatePR | None = None
    empty: bool = False  # the repository has no commit yet
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ab_history: FileHistory | None = None  # the A/B config's changes, in a repo that has one

    def blob_url(self) -> str:
        return f"{self.html_url}/blob/{self.default_branch}"

    def file_evidence(self, path: str, line: int | None = None, detail: str = "") -> Evidence:
        anchor = f"#L{line}" if line else ""
        where = f"{path}:{line}" if line else path
        return Evidence("file", where, detail, f"{self.blob_url()}/{path}{anchor}")


class FleetApi:
    """The GitHub calls of a scan, with what the `Store` keeps between scans."""

    def __init__(
        self,
        gh: GitHub[TokenAuthStrategy],
        *,
        store: Store,
        meter: Meter,
        transport: CachingTransport | None = None,
        now: datetime | None = None,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.gh = gh
        self.store = store
        self.meter = meter
        self.now = now
        self.max_pages = max_pages
        self._transport = transport
        self._texts: OrderedDict[str, str] = OrderedDict()  # the latest file texts by blob SHA, in memory
        self._texts_lock = threading.Lock()

    def __enter__(self) -> FleetApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Save the cache and close the connections."""
        if self._transport is not None:
            self._transport.shutdown()
        self.store.close()

    # -- fleet-wide --------------------------------------------------------------
    def org_repos(self, org: str) -> list[dict[str, Any]]:
        return read_all(
            self.gh,
            lambda: self.gh.rest.repos.list_for_org(org, type="all", per_page=100),
            what=f"GET /orgs/{org}/repos",
            key=lambda repo: repo.get("id") or repo.get("full_name"),
            max_pages=self.max_pages,
        )

    def tag_names(self, owner: str, repo: str) -> list[str]:
        tags = read_all(
            self.gh,
            lambda: self.gh.rest.repos.list_tags(owner, repo, per_page=100),
            what=f"GET /repos/{owner}/{repo}/tags",
            key=lambda tag: tag.get("name"),
            max_pages=self.max_pages,
        )
        return [str(tag["name"]) for tag in tags]

    def file_text(self, owner: str, repo: str, path: str, ref: str, sha: str | None = None) -> str | None:
        """A file's text (None when absent); with the blob `sha` from a tree, a kept copy costs nothing."""
        if sha is not None:
            kept = self._remembered(sha)
            if kept is not None:
                return kept
        try:
            content: Any = self.gh.rest.repos.get_content(owner, repo, path, ref=ref).json()
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        if not isinstance(content, dict) or content.get("type", "file") != "file":
            return None
        text = base64.b64decode(content.get("content", "")).decode("utf-8", errors="replace")
        self.store.put_memo(BLOB, str(content.get("sha") or sha), text)
        return text

    def _remembered(self, sha: str) -> str | None:
        """A file text by blob SHA: from memory (the template's files repeat across repos), else the store."""
        with self._texts_lock:
            if sha in self._texts:
                self._texts.move_to_end(sha)
                return self._texts[sha]
        kept = self.store.memo(BLOB, sha)
        if kept is None:
            return None
        with self._texts_lock:
            self._texts[sha] = str(kept)
            if len(self._texts) > _TEXTS_IN_MEMORY:
                self._texts.popitem(last=False)
        return str(kept)

    # -- one repo ----------------------------------------------------------------
    def known_sha(self, full_name: str, path: str, repo: dict[str, Any]) -> str | None:
        """The blob SHA of `path` from the previous scan's tree, if nothing was pushed since."""
        memo = self._unchanged_tree(full_name, repo)
        return None if memo is None else memo["paths"].get(path)

    def known_outsider(self, repo: dict[str, Any]) -> bool:
        """True when the last scan found this repo not to be ours and nothing was pushed since.

        Without the topic, only a `.copier-answers.yml` makes a repo ours, and that comes by a push:
        an org's many other repos then cost no call (a missing file's 404 cannot be revalidated).
        """
        pushed_at = str(repo.get("pushed_at") or "")
        return bool(pushed_at) and self.store.memo(OUTSIDER, repo["full_name"]) == pushed_at

    def remember_outsider(self, repo: dict[str, Any]) -> None:
        if repo.get("pushed_at"):
            self.store.put_memo(OUTSIDER, repo["full_name"], str(repo["pushed_at"]))

    def repo_facts(self, repo: dict[str, Any], org: str, update_branch: str = UPDATE_BRANCH) -> RepoFacts:
        owner, name = repo["full_name"].split("/", 1)
        branch = repo.get("default_branch") or "main"
        facts = RepoFacts(
            repo["full_name"], repo.get("html_url") or "", branch, read_at=self.now or datetime.now(UTC)
        )
        memo = self._unchanged_tree(repo["full_name"], repo)
        if memo is None:
            paths, empty = self._tree(owner, name, branch)
            tags = or_absent(lambda: self.gh.rest.repos.list_tags(owner, name, per_page=1), None)
            memo = {
                "pushed_at": str(repo.get("pushed_at") or ""),
                "paths": paths,
                "has_tags": None if tags is None else bool(tags),
                "empty": empty,
            }
            self.store.put_memo(TREE, repo["full_name"], memo)
        facts.paths, facts.has_tags, facts.empty = memo["paths"], memo["has_tags"], memo["empty"]
        self._read_files(facts, [path for path in sorted(facts.paths) if wanted_file(path)])
        # Once the root is read: the files its `include:` loads (jobs/*.yml as well as resources/*.yml).
        self._read_files(facts, bundle_includes(facts.files, facts.paths))
        if AB_FILE in facts.paths:
            facts.ab_history = self._history(repo, AB_FILE, facts.files.get(AB_FILE), facts.read_at)
        facts.approvals = protection.approvals(self.gh, self.store, owner, name, branch, facts.html_url)
        facts.prd_reviewers = protection.prd_reviewers(self.gh, owner, name, facts.html_url)
        facts.update_pr = self._update_pr(owner, name, org, update_branch)
        return facts

    def _history(self, repo: dict[str, Any], path: str, current: str | None, now: datetime) -> FileHistory:
        """How `path` changed on the default branch over the window; kept by `pushed_at` (only a push changes it)."""
        owner, name = repo["full_name"].split("/", 1)
        pushed_at = str(repo.get("pushed_at") or "")
        memo = self.store.memo(HISTORY, f"{repo['full_name']}:{path}")
        if memo is not None and pushed_at and memo.get("pushed_at") == pushed_at:
            return FileHistory.from_json(memo["history"])
        branch = repo.get("default_branch") or "main"
        commits: list[Any] = or_absent(
            lambda: self.gh.rest.repos.list_commits(
                owner, name, sha=branch, path=path, since=now - EXPERIMENT_WINDOW, per_page=HISTORY_LIMIT
            ),
            [],
        )
        history = read_history(
            commits,
            current,
            lambda sha: self.file_text(owner, name, path, sha),
            path=path,
            limit=HISTORY_LIMIT,
        )
        self.store.put_memo(
            HISTORY, f"{repo['full_name']}:{path}", {"pushed_at": pushed_at, "history": history.to_json()}
        )
        return history

    def _read_files(self, facts: RepoFacts, paths: list[str]) -> None:
        """The texts of `paths` into `facts.files` (a file already read, or kept by its SHA, costs nothing)."""
        owner, name = facts.full_name.split("/", 1)
        for path in paths:
            if path not in facts.files:
                text = self.file_text(owner, name, path, facts.default_branch, facts.paths.get(path))
                if text is not None:
                    facts.files[path] = text

    def last_ci_run(self, owner: str, name: str, workflow_file: str, branch: str) -> CIRun:
        runs: Any = or_absent(
            lambda: self.gh.rest.actions.list_workflow_runs(
                owner, name, workflow_file, branch=branch, per_page=1, exclude_pull_requests=True
            ),
            {},
        )
        items = runs.get("workflow_runs") or []
        if not items:
            return CIRun(workflow_file, "none", None, None, None)
        run = items[0]
        return CIRun(
            workflow_file,
            str(run.get("status") or "unknown"),
            run.get("conclusion"),
            run.get("html_url"),
            run.get("updated_at") or run.get("created_at"),
        )

    def _unchanged_tree(self, full_name: str, repo: dict[str, Any]) -> dict[str, Any] | None:
        memo: dict[str, Any] | None = self.store.memo(TREE, full_name)
        pushed_at = str(repo.get("pushed_at") or "")
        if memo is None or not pushed_at or memo.get("pushed_at") != pushed_at:
            return None
        return memo

    def _tree(self, owner: str, name: str, branch: str) -> tuple[dict[str, str], bool]:
        """Blob paths and SHAs of the default branch, and whether the repo is empty (see the docstring)."""
        try:
            tree: Any = self.gh.rest.git.get_tree(owner, name, branch, recursive="1").json()
        except RequestFailed as exc:
            if exc.response.status_code == 409:  # "Git Repository is empty."
                return {}, True
            if exc.response.status_code != 404:
                raise
            branches: list[Any] = or_absent(
                lambda: self.gh.rest.repos.list_branches(owner, name, per_page=1), []
            )
            if branches:
                raise BranchGone(
                    f"the default branch {branch} does not exist (GET /repos/{owner}/{name}/git/trees/{branch}: "
                    "HTTP 404); set the repo's default branch to one it has"
                ) from exc
            return {}, True
        paths = {
            entry["path"]: entry.get("sha", "")
            for entry in tree.get("tree", [])
            if entry.get("type") == "blob"
        }
        return paths, False

    def _update_pr(self, owner: str, name: str, org: str, update_branch: str) -> UpdatePR | None:
        pulls: list[Any] = or_absent(
            lambda: self.gh.rest.pulls.list(
                owner, name, state="open", head=f"{org}:{update_branch}", per_page=1
            ),
            [],
        )
        if not pulls:
            return None
        pull = pulls[0]
        opened = str(pull.get("created_at") or "")
        return UpdatePR(int(pull["number"]), pull.get("html_url"), opened, _age_days(opened, self.now))


def connect(
    env: GitHubEnv, cache: Path | None = None, *, now: datetime | None = None, max_pages: int = MAX_PAGES
) -> FleetApi:
    """A `FleetApi` whose client reads through the persistent conditional-request cache in `cache`."""
    store = Store(cache)
    meter = Meter()
    transport = CachingTransport(store, meter, bounded_transport(env.api_url))
    gh = api_client(env, transport=transport)
    return FleetApi(gh, store=store, meter=meter, transport=transport, now=now, max_pages=max_pages)


def _age_days(stamp: str, now: datetime | None) -> int:
    try:
        opened = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return max(((now or datetime.now(UTC)) - opened).days, 0)
