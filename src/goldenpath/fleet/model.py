"""The fleet report: what a scan read and judged, as plain dataclasses with their JSON parts.

The report holds facts and the statements' verdicts only; the scorecard
(levels, trends, campaigns) is derived from a report, and `feed` writes the
two as the one JSON document. That JSON is a contract (docs/fleet.md,
docs/fleet-report.v1.schema.json): new fields may appear within a version;
any rename, removal or change of meaning bumps `SCHEMA_VERSION`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from goldenpath.fleet.release_line import ReleaseLine

SCHEMA_VERSION = 1
REPORT_KIND = "goldenpath-fleet-report"  # with schema_version, what a consumer checks first

Result = Literal["pass", "fail", "unknown"]
EvidenceSource = Literal["file", "tree", "ruleset", "branch_protection", "api"]


@dataclass(frozen=True)
class Evidence:
    """Where a verdict comes from: a file (and line), a ruleset, or an API field."""

    source: EvidenceSource
    ref: str  # ".github/workflows/ci.yml:12", "ruleset 7 'main'", "environments/prd protection_rules"
    detail: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Verdict:
    result: Result
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class TemplateDrift:
    """`status`: current | behind | unsupported-major | unknown."""

    status: str
    version: str | None  # the release the repo was rendered from, "vX.Y.Z"
    commit: str | None  # `_commit` as .copier-answers.yml records it
    newest_in_line: str | None
    behind: int | None  # releases of its line newer than `version`
    reason: str = ""


@dataclass(frozen=True)
class WorkflowUse:
    """One `uses:` of a central reusable workflow. `kind`: following | pinned | sha | other."""

    file: str
    line: int
    workflow: str
    ref: str
    kind: str
    url: str | None = None


@dataclass(frozen=True)
class WorkflowUsage:
    """`status`: following | pinned | sha | mixed | off-road | unknown."""

    status: str
    uses: tuple[WorkflowUse, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdatePR:
    number: int
    url: str | None
    opened_at: str
    age_days: int


@dataclass(frozen=True)
class CIRun:
    workflow: str
    status: str
    conclusion: str | None
    url: str | None
    at: str | None


@dataclass(frozen=True)
class Owner:
    """The team (or person) that owns a repo, and where that is written."""

    name: str  # a team slug, or "@login" / an e-mail address from CODEOWNERS
    kind: Literal["team", "user", "email"]
    source: str  # ".github/CODEOWNERS:2" or ".copier-answers.yml"
    url: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """The primary rate limit as the scan's last response reported it."""

    limit: int
    remaining: int
    used: int
    reset: str  # UTC, ISO 8601


@dataclass
class ScanInfo:
    """What the scan cost and covered: calls, 304s, the budget, shards, repos left unscanned."""

    shards: list[str] = field(default_factory=lambda: ["1/1"])  # the partitions this report covers
    complete: bool = True
    not_scanned: list[str] = field(default_factory=list)  # full names the budget left unread
    missing_shards: list[str] = field(default_factory=list)  # partitions a merge did not receive
    calls: int = 0
    not_modified: int = 0  # 304s: no rate limit spent
    rate_limit: RateLimit | None = None
    stopped: str | None = None  # why the scan stopped early

    @property
    def rate_limited_calls(self) -> int:
        return self.calls - self.not_modified

    def to_json(self) -> dict[str, Any]:
        return {
            "shards": self.shards,
            "complete": self.complete,
            "not_scanned": self.not_scanned,
            "missing_shards": self.missing_shards,
            "calls": self.calls,
            "not_modified": self.not_modified,
            "rate_limited_calls": self.rate_limited_calls,
            "rate_limit": asdict(self.rate_limit) if self.rate_limit else None,
            "stopped": self.stopped,
        }


@dataclass
class RepoReport:
    name: str
    full_name: str
    url: str
    default_branch: str
    discovered_by: list[str]
    archived: bool = False
    error: str | None = None
    template: TemplateDrift = field(
        default_factory=lambda: TemplateDrift("unknown", None, None, None, None, "not scanned")
    )
    workflows: WorkflowUsage = field(default_factory=lambda: WorkflowUsage("unknown"))
    update_pr: UpdatePR | None = None
    ci: CIRun | None = None
    maturity: dict[str, Verdict] = field(default_factory=dict)
    owner: Owner | None = None

    def results(self) -> dict[str, str]:
        """Statement id -> pass | fail | unknown."""
        return {key: verdict.result for key, verdict in self.maturity.items()}

    @property
    def mature(self) -> bool | None:
        """All automated statements pass (True), one fails (False), else undecided (None).

        The questionnaire's "mature" needs every statement of sections 1-4 (1-46); this
        covers the automated ones, A/B testing's (58-60) among them, so it is neither
        the verdict nor implied by it: the levels are the way to read maturity.
        """
        results = {verdict.result for verdict in self.maturity.values()}
        if "fail" in results:
            return False
        return None if "unknown" in results or not results else True


@dataclass(frozen=True)
class StatementInfo:
    id: str
    numbers: tuple[int, ...]
    title: str
    checks: str


@dataclass
class FleetReport:
    org: str
    topic: str
    central: str
    release_line: str
    central_releases: list[str]
    generated_at: str
    statements: list[StatementInfo]
    manual_statements: list[int]
    repos: list[RepoReport]
    scan: ScanInfo = field(default_factory=ScanInfo)
    manual_why: dict[int, str] = field(
        default_factory=dict
    )  # why a statement of a checked section needs people

    @property
    def line(self) -> ReleaseLine:
        return ReleaseLine(self.release_line, tuple(self.central_releases))

    @property
    def newest_release(self) -> str | None:
        """The newest release of the supported line (never a newer major's)."""
        return self.line.newest

    def version_counts(self) -> dict[str, int]:
        """Repos per template version, newest first, with "unknown" last."""
        counts: dict[str, int] = {}
        for repo in self.repos:
            key = repo.template.version or "unknown"
            counts[key] = counts.get(key, 0) + 1
        order = {version: index for index, version in enumerate(self.central_releases)}
        return dict(
            sorted(
                counts.items(), key=lambda item: (item[0] == "unknown", order.get(item[0], 10**6), item[0])
            )
        )

    def summary(self) -> dict[str, Any]:
        repos = self.repos
        return {
            "repos": len(repos),
            "errors": sum(repo.error is not None for repo in repos),
            "template_status": _count(repo.template.status for repo in repos),
            "workflow_status": _count(repo.workflows.status for repo in repos),
            "open_update_prs": sum(repo.update_pr is not None for repo in repos),
            "ci_conclusion": _count(
                (repo.ci.conclusion or repo.ci.status) if repo.ci else "none" for repo in repos
            ),
            "automated_statements_all_pass": sum(repo.mature is True for repo in repos),
            "statement_pass_counts": {
                info.id: sum(repo.maturity.get(info.id, _UNKNOWN).result == "pass" for repo in repos)
                for info in self.statements
            },
            "template_versions": self.version_counts(),
        }

    def head_json(self) -> dict[str, Any]:
        """The document's fields before the scorecard's and the repos (`feed` puts them together)."""
        return {
            "kind": REPORT_KIND,
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "org": self.org,
            "topic": self.topic,
            "central": {
                "repo": self.central,
                "release_line": self.release_line,
                "newest_release": self.newest_release,
                "newest_release_overall": self.line.newest_overall,
                "releases": self.central_releases,
            },
            "statements": [asdict(info) for info in self.statements],
            "manual_statements": {
                "numbers": self.manual_statements,
                "note": "These statements of the assessment need people to answer them; the scan does not guess.",
                "why": {str(number): why for number, why in sorted(self.manual_why.items())},
            },
            "summary": self.summary(),
            "scan": self.scan.to_json(),
        }


_UNKNOWN = Verdict("unknown", "")


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def repo_json(repo: RepoReport) -> dict[str, Any]:
    """One repo's facts and verdicts, written out field by field: `dataclasses.asdict` deep-copies, too slow for thousands of repos."""
    template, workflows, pr, ci, owner = repo.template, repo.workflows, repo.update_pr, repo.ci, repo.owner
    return {
        "name": repo.name,
        "full_name": repo.full_name,
        "url": repo.url,
        "default_branch": repo.default_branch,
        "discovered_by": repo.discovered_by,
        "archived": repo.archived,
        "error": repo.error,
        "template": {
            "status": template.status,
            "version": template.version,
            "commit": template.commit,
            "newest_in_line": template.newest_in_line,
            "behind": template.behind,
            "reason": template.reason,
        },
        "workflows": {
            "status": workflows.status,
            "uses": [
                {
                    "file": use.file,
                    "line": use.line,
                    "workflow": use.workflow,
                    "ref": use.ref,
                    "kind": use.kind,
                    "url": use.url,
                }
                for use in workflows.uses
            ],
            "missing": list(workflows.missing),
        },
        "update_pr": (
            {"number": pr.number, "url": pr.url, "opened_at": pr.opened_at, "age_days": pr.age_days}
            if pr
            else None
        ),
        "ci": (
            {
                "workflow": ci.workflow,
                "status": ci.status,
                "conclusion": ci.conclusion,
                "url": ci.url,
                "at": ci.at,
            }
            if ci
            else None
        ),
        "maturity": {key: _verdict_json(verdict) for key, verdict in repo.maturity.items()},
        "automated_statements_all_pass": repo.mature,
        "owner": (
            {"name": owner.name, "kind": owner.kind, "source": owner.source, "url": owner.url}
            if owner
            else None
        ),
    }


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "result": verdict.result,
        "reason": verdict.reason,
        "evidence": [
            {"source": e.source, "ref": e.ref, "detail": e.detail, "url": e.url} for e in verdict.evidence
        ],
    }
