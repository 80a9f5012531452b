"""What one repo holds, read through githubkit: tree, files, protection, environments, PRs, CI, tags.

Calls per repo are bounded: one recursive tree (not a clone), one contents
read per file the statements need, and one call per GitHub fact. Three caches
keep a second scan cheap: githubkit's HTTP cache revalidates every GET with
its ETag (a 304 still costs one call), file texts are kept by blob SHA (the
tree names them, so an unchanged file costs no call), and a repo whose
`pushed_at` is unchanged since the previous scan in this process reuses its
tree and tags (both change only by a push).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from githubkit import GitHub, Response, TokenAuthStrategy
from githubkit.exception import RequestFailed

from goldenpath.fleet.model import CIRun, Evidence, UpdatePR

ANSWERS_FILE = ".copier-answers.yml"
BUNDLE_FILE = "databricks.yml"
README_FILE = "README.md"
# The branch `goldenpath update` pushes its pull request from.
UPDATE_BRANCH = "goldenpath/update"
PRD_ENVIRONMENT = "prd"


def wanted_file(path: str) -> bool:
    """Files whose text the statements read; everything else is judged by its presence in the tree."""
    return (
        path in (ANSWERS_FILE, BUNDLE_FILE, README_FILE)
        or (
            path.startswith(".github/workflows/")
            and path.count("/") == 2
            and path.endswith((".yml", ".yaml"))
        )
        or (path.startswith("resources/") and path.count("/") == 1 and path.endswith((".yml", ".yaml")))
    )


@dataclass(frozen=True)
class Approvals:
    """The strongest pull-request rule on the default branch, and where it is set."""

    count: int | None  # required approving reviews; None when no rule requires pull requests
    evidence: tuple[Evidence, ...] = ()
    unreadable: str | None = None  # why a source could not be read (then "none" is not proven)


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

    def blob_url(self) -> str:
        return f"{self.html_url}/blob/{self.default_branch}"

    def file_evidence(self, path: str, line: int | None = None, detail: str = "") -> Evidence:
        anchor = f"#L{line}" if line else ""
        where = f"{path}:{line}" if line else path
        return Evidence("file", where, detail, f"{self.blob_url()}/{path}{anchor}")


@dataclass
class _RepoMemo:
    pushed_at: str
    paths: dict[str, str]
    has_tags: bool | None


class FleetApi:
    """The GitHub calls of a scan, with the caches described in the module docstring."""

    def __init__(self, gh: GitHub[TokenAuthStrategy], *, now: datetime | None = None) -> None:
        self.gh = gh
        self.now = now
        self._blobs: dict[str, str] = {}
        self._memo: dict[str, _RepoMemo] = {}
        self._approval_source: dict[str, str] = {}  # repo -> where approvals were required last scan
        self._lock = threading.Lock()

    # -- fleet-wide --------------------------------------------------------------
    def org_repos(self, org: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            batch: list[Any] = self.gh.rest.repos.list_for_org(
                org, type="all", per_page=100, page=page
            ).json()
            found += batch
            if len(batch) < 100:
                return found
            page += 1

    def tag_names(self, owner: str, repo: str) -> list[str]:
        names: list[str] = []
        page = 1
        while True:
            batch = self.gh.rest.repos.list_tags(owner, repo, per_page=100, page=page).json()
            names += [tag["name"] for tag in batch]
            if len(batch) < 100:
                return names
            page += 1

    def file_text(self, owner: str, repo: str, path: str, ref: str, sha: str | None = None) -> str | None:
        """A file's text (None when absent); with the blob `sha` from a tree, a cached copy costs nothing."""
        if sha is not None:
            with self._lock:
                if sha in self._blobs:
                    return self._blobs[sha]
        try:
            content: Any = self.gh.rest.repos.get_content(owner, repo, path, ref=ref).json()
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        if not isinstance(content, dict) or content.get("type", "file") != "file":
            return None
        text = base64.b64decode(content.get("content", "")).decode("utf-8", errors="replace")
        with self._lock:
            self._blobs[str(content.get("sha") or sha)] = text
        return text

    # -- one repo ----------------------------------------------------------------
    def known_sha(self, full_name: str, path: str, repo: dict[str, Any]) -> str | None:
        """The blob SHA of `path` from the previous scan's tree, if nothing was pushed since."""
        memo = self._memo.get(full_name)
        if memo is None or not repo.get("pushed_at") or memo.pushed_at != str(repo["pushed_at"]):
            return None
        return memo.paths.get(path)

    def repo_facts(self, repo: dict[str, Any], org: str, update_branch: str = UPDATE_BRANCH) -> RepoFacts:
        owner, name = repo["full_name"].split("/", 1)
        branch = repo.get("default_branch") or "main"
        facts = RepoFacts(repo["full_name"], repo.get("html_url") or "", branch)
        memo = self._memo.get(repo["full_name"])
        pushed_at = str(repo.get("pushed_at") or "")
        if memo is not None and pushed_at and memo.pushed_at == pushed_at:
            facts.paths, facts.has_tags = memo.paths, memo.has_tags
        else:
            facts.paths = self._tree(owner, name, branch)
            tags = _or_absent(lambda: self.gh.rest.repos.list_tags(owner, name, per_page=1), None)
            facts.has_tags = None if tags is None else bool(tags)
            with self._lock:
                self._memo[repo["full_name"]] = _RepoMemo(pushed_at, facts.paths, facts.has_tags)
        for path, sha in sorted(facts.paths.items()):
            if wanted_file(path):
                text = self.file_text(owner, name, path, branch, sha)
                if text is not None:
                    facts.files[path] = text
        facts.approvals = self._approvals(owner, name, branch, facts.html_url)
        facts.prd_reviewers = self._prd_reviewers(owner, name, facts.html_url)
        facts.update_pr = self._update_pr(owner, name, org, update_branch)
        return facts

    def last_ci_run(self, owner: str, name: str, workflow_file: str, branch: str) -> CIRun:
        runs: Any = _or_absent(
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

    def _tree(self, owner: str, name: str, branch: str) -> dict[str, str]:
        try:
            tree: Any = self.gh.rest.git.get_tree(owner, name, branch, recursive="1").json()
        except RequestFailed as exc:
            if exc.response.status_code in (404, 409):  # no such branch yet, or an empty repository
                return {}
            raise
        return {
            entry["path"]: entry.get("sha", "")
            for entry in tree.get("tree", [])
            if entry.get("type") == "blob"
        }

    def _approvals(self, owner: str, name: str, branch: str, html_url: str) -> Approvals:
        """Rulesets and classic branch protection: the one that required approvals last time is asked
        first, and the other only when the first requires none (an unprotected branch costs both)."""
        sources = [self._ruleset_approvals, self._protection_approvals]
        if self._approval_source.get(f"{owner}/{name}") == "branch_protection":
            sources.reverse()
        best = Approvals(None)
        for source in sources:
            found = source(owner, name, branch, html_url)
            if found.count is not None and (best.count is None or found.count > best.count):
                best = replace(found, unreadable=best.unreadable)
            elif found.unreadable:
                best = replace(best, unreadable=found.unreadable)
            if best.count:
                with self._lock:
                    self._approval_source[f"{owner}/{name}"] = best.evidence[0].source
                return best
        return best

    def _ruleset_approvals(self, owner: str, name: str, branch: str, html_url: str) -> Approvals:
        rules: list[Any] = _or_absent(lambda: self.gh.rest.repos.get_branch_rules(owner, name, branch), [])
        best = Approvals(None)
        for rule in rules:
            if rule.get("type") != "pull_request":
                continue
            count = int((rule.get("parameters") or {}).get("required_approving_review_count") or 0)
            if best.count is None or count > best.count:
                ruleset = rule.get("ruleset_id")
                own = rule.get("ruleset_source_type", "Repository") == "Repository"
                evidence = Evidence(
                    "ruleset",
                    f"ruleset {ruleset} ({rule.get('ruleset_source', f'{owner}/{name}')})",
                    f"pull_request.required_approving_review_count={count}",
                    f"{html_url}/rules/{ruleset}" if ruleset and own else None,
                )
                best = Approvals(count, (evidence,))
        return best

    def _protection_approvals(self, owner: str, name: str, branch: str, html_url: str) -> Approvals:
        try:
            protection: Any = self.gh.rest.repos.get_branch_protection(owner, name, branch).json()
        except RequestFailed as exc:
            if exc.response.status_code == 404:  # "Branch not protected"
                return Approvals(None)
            if exc.response.status_code == 403:  # the token lacks Administration: read
                return Approvals(None, unreadable=f"branch protection of {branch} is not readable (HTTP 403)")
            raise
        reviews = protection.get("required_pull_request_reviews")
        if reviews is None:
            return Approvals(None)
        count = int(reviews.get("required_approving_review_count") or 0)
        evidence = Evidence(
            "branch_protection",
            f"branches/{branch}/protection",
            f"required_pull_request_reviews.required_approving_review_count={count}",
            f"{html_url}/settings/branches",
        )
        return Approvals(count, (evidence,))

    def _prd_reviewers(self, owner: str, name: str, html_url: str) -> tuple[Evidence, ...]:
        try:
            environment: Any = self.gh.rest.repos.get_environment(owner, name, PRD_ENVIRONMENT).json()
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return ()
            raise
        found = []
        for rule in environment.get("protection_rules") or []:
            if rule.get("type") == "required_reviewers" and rule.get("reviewers"):
                who = ", ".join(
                    str(
                        (reviewer.get("reviewer") or {}).get("slug")
                        or (reviewer.get("reviewer") or {}).get("login")
                        or "?"
                    )
                    for reviewer in rule["reviewers"]
                )
                found.append(
                    Evidence(
                        "api",
                        f"environments/{PRD_ENVIRONMENT} protection_rules",
                        f"required_reviewers: {who}",
                        f"{html_url}/settings/environments",
                    )
                )
        return tuple(found)

    def _update_pr(self, owner: str, name: str, org: str, update_branch: str) -> UpdatePR | None:
        pulls: list[Any] = _or_absent(
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


def _or_absent(request: Callable[[], Response[Any, Any]], absent: Any) -> Any:
    """The JSON a GET answers, or `absent` on 404: GitHub's way of saying the thing does not exist."""
    try:
        return request().json()
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return absent
        raise


def _age_days(stamp: str, now: datetime | None) -> int:
    try:
        opened = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return max(((now or datetime.now(UTC)) - opened).days, 0)
