"""The fleet report: plain dataclasses with one JSON form, versioned by `SCHEMA_VERSION`.

The JSON is a contract (docs/fleet.md, docs/fleet-report.v1.schema.json): new
fields may appear within a version; any rename, removal or change of meaning
bumps `SCHEMA_VERSION`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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

    @property
    def mature(self) -> bool | None:
        """All automated statements pass (True), one fails (False), else undecided (None).

        The questionnaire's "mature" needs every statement of sections 1-4; this
        covers only the automated ones, so it is a necessary condition, not the verdict.
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

    @property
    def newest_release(self) -> str | None:
        return self.central_releases[0] if self.central_releases else None

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

    def to_json(self) -> dict[str, Any]:
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
                "releases": self.central_releases,
            },
            "statements": [asdict(info) for info in self.statements],
            "manual_statements": {
                "numbers": self.manual_statements,
                "note": "These statements of the assessment need people to answer them; the scan does not guess.",
            },
            "summary": self.summary(),
            "repos": [_repo_json(repo) for repo in self.repos],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


_UNKNOWN = Verdict("unknown", "")


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def _repo_json(repo: RepoReport) -> dict[str, Any]:
    return {
        "name": repo.name,
        "full_name": repo.full_name,
        "url": repo.url,
        "default_branch": repo.default_branch,
        "discovered_by": repo.discovered_by,
        "archived": repo.archived,
        "error": repo.error,
        "template": asdict(repo.template),
        "workflows": asdict(repo.workflows),
        "update_pr": asdict(repo.update_pr) if repo.update_pr else None,
        "ci": asdict(repo.ci) if repo.ci else None,
        "maturity": {key: asdict(verdict) for key, verdict in repo.maturity.items()},
        "automated_statements_all_pass": repo.mature,
    }
