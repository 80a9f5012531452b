"""The automated maturity statements, numbered as in the MLOps maturity assessment.

Each statement is one small function from what a repo holds (`Subject`) to a
`Verdict`: pass, fail or unknown, with the evidence (file and line, ruleset,
API field). The assessment has 60 statements; the repo is "mature" when all of
1-46 hold. Those not listed in `STATEMENTS` need people to answer them
(`MANUAL`), and every report says so instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from goldenpath.fleet.bundle import Bundle, line_of, read_bundle, task_parameters
from goldenpath.fleet.facts import README_FILE, RepoFacts
from goldenpath.fleet.model import Evidence, StatementInfo, Verdict
from goldenpath.fleet.workflows import DEPLOYS, TEST, CentralCall
from goldenpath.settings import DEPLOYED_ENVIRONMENTS

ASSESSMENT_SIZE = 60
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# The `##` headings the template's README.md writes (tests/test_fleet.py keeps this in step with it).
TEMPLATE_README_HEADINGS = (
    "Names (derived from the repository name; do not rename by hand)",
    "Run locally",
    "Serve online",  # serving repos only
    "Monitoring",  # repos with the example pipeline only
    "Test",
    "Docs and catalog",
    "Deploy",
    "Update from the template",
)
RUN_ID_PARAMETER = "{{job.run_id}}"
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Subject:
    """Everything the statements look at for one repo."""

    facts: RepoFacts
    calls: list[CentralCall]
    bundle: Bundle | None

    @classmethod
    def of(cls, facts: RepoFacts, calls: list[CentralCall]) -> Subject:
        return cls(facts, calls, read_bundle(facts.files))


Check = Callable[[Subject], Verdict]


def _pass(reason: str, *evidence: Evidence) -> Verdict:
    return Verdict("pass", reason, evidence)


def _fail(reason: str, *evidence: Evidence) -> Verdict:
    return Verdict("fail", reason, evidence)


def _tree(s: Subject, path: str) -> Evidence:
    return Evidence("tree", path, "present in the default branch", f"{s.facts.blob_url()}/{path}")


def _call_evidence(call: CentralCall, detail: str) -> Evidence:
    use = call.use
    return Evidence("file", f"{use.file}:{use.line}", detail, use.url)


def code_in_vcs(s: Subject) -> Verdict:
    """10/16/17: infrastructure (the bundle) and the ML code live in version control."""
    code = sorted(p for p in s.facts.paths if p.startswith("src/") and p.endswith(".py"))
    missing = [
        what
        for what, there in (("src/**/*.py", code), ("databricks.yml", "databricks.yml" in s.facts.paths))
        if not there
    ]
    if missing:
        return _fail(f"the default branch has no {' and no '.join(missing)}")
    return _pass("bundle and package code are in git", _tree(s, "databricks.yml"), _tree(s, code[0]))


def reviews_required(s: Subject) -> Verdict:
    """11/18/30/34: changes go through pull requests with at least one approval, and code owners review."""
    approvals = s.facts.approvals
    if approvals is None:
        return Verdict("unknown", "protection could not be read")
    owners = [p for p in CODEOWNERS_PATHS if p in s.facts.paths]
    evidence = list(approvals.evidence) + [_tree(s, p) for p in owners[:1]]
    if not approvals.count and approvals.unreadable:
        return Verdict("unknown", approvals.unreadable, tuple(evidence))
    if not approvals.count:
        what = (
            "no ruleset or branch protection requires pull requests"
            if approvals.count is None
            else "pull requests need 0 approvals"
        )
        return _fail(f"{what} on {s.facts.default_branch}", *evidence)
    if not owners:
        return _fail("no CODEOWNERS file", *evidence)
    return _pass(f"{approvals.count} approval(s) required and CODEOWNERS present", *evidence)


def cd_on_merge(s: Subject) -> Verdict:
    """12/19: merged changes are deployed by CD, through the central deploy workflow."""
    deploys = [c for c in s.calls if c.use.workflow in DEPLOYS and "push" in c.triggers]
    if not deploys:
        return _fail(f"no workflow triggered on push calls the central {' or '.join(DEPLOYS)}")
    return _pass(
        "pushes deploy through the central workflow",
        _call_evidence(deploys[0], f"calls {deploys[0].use.workflow}"),
    )


def only_cd_deploys(s: Subject) -> Verdict:
    """13: acc and prd run as a service principal, and prd deploys need a reviewer."""
    if s.bundle is None:
        return _fail("no databricks.yml")
    if s.bundle.problems:
        return _fail(s.bundle.problems[0], s.facts.file_evidence("databricks.yml"))
    text = s.facts.files["databricks.yml"]
    evidence = []
    for name in DEPLOYED_ENVIRONMENTS:
        run_as = (s.bundle.targets.get(name) or {}).get("run_as") or {}
        if not (isinstance(run_as, dict) and run_as.get("service_principal_name")):
            return _fail(
                f"target {name} does not run as a service principal",
                s.facts.file_evidence("databricks.yml", line_of(text, f"{name}:")),
            )
        evidence.append(
            s.facts.file_evidence(
                "databricks.yml",
                line_of(text, str(run_as["service_principal_name"])),
                f"{name}.run_as.service_principal_name",
            )
        )
    if s.facts.prd_reviewers is None:
        return Verdict("unknown", "the prd environment could not be read", tuple(evidence))
    if not s.facts.prd_reviewers:
        return _fail("the prd environment has no required reviewers", *evidence)
    return _pass("service principals deploy; prd needs a reviewer", *evidence, *s.facts.prd_reviewers)


def same_process_environments(s: Subject) -> Verdict:
    """14/21: at least two environments (acc and prd targets), deployed by the same bundle."""
    if s.bundle is None:
        return _fail("no databricks.yml")
    if s.bundle.problems:
        return _fail(s.bundle.problems[0], s.facts.file_evidence("databricks.yml"))
    missing = [name for name in DEPLOYED_ENVIRONMENTS if name not in s.bundle.targets]
    text = s.facts.files["databricks.yml"]
    if missing:
        return _fail(
            f"databricks.yml has no target {' or '.join(missing)}",
            s.facts.file_evidence("databricks.yml", line_of(text, "targets:")),
        )
    return _pass(
        "one bundle deploys acc and prd",
        *(
            s.facts.file_evidence("databricks.yml", line_of(text, f"  {n}:"), f"target {n}")
            for n in DEPLOYED_ENVIRONMENTS
        ),
    )


def environment_as_code(s: Subject) -> Verdict:
    """20: the environment is code: poetry.lock is committed."""
    if "poetry.lock" not in s.facts.paths:
        return _fail("poetry.lock is not committed")
    return _pass("poetry.lock is committed", _tree(s, "poetry.lock"))


def traceable(s: Subject) -> Verdict:
    """22/25: every job carries the git_sha tag and passes the run id to its tasks."""
    jobs = _jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (path, job) in jobs.items():
        text = s.facts.files.get(path, "")
        tags = _tags(job)
        if "git_sha" not in tags:
            return _fail(f"job {key} has no git_sha tag", s.facts.file_evidence(path, line_of(text, key)))
        if not any(RUN_ID_PARAMETER in p.replace(" ", "") for p in task_parameters(job)):
            return _fail(
                f"job {key} passes no {RUN_ID_PARAMETER} parameter",
                s.facts.file_evidence(path, line_of(text, key)),
            )
        evidence += [
            s.facts.file_evidence(path, line_of(text, "git_sha:"), f"job {key} tag git_sha"),
            s.facts.file_evidence(path, line_of(text, "job.run_id"), f"job {key} run id parameter"),
        ]
    return _pass("commit and run are traceable from every job", *evidence)


def ci_on_pr(s: Subject) -> Verdict:
    """29/33: every pull request runs CI: the central test workflow."""
    tests = [c for c in s.calls if c.use.workflow == TEST and "pull_request" in c.triggers]
    if not tests:
        return _fail(f"no workflow triggered on pull_request calls the central {TEST}")
    return _pass(
        "pull requests run the central tests", _call_evidence(tests[0], f"calls {TEST} on pull_request")
    )


def pre_commit(s: Subject) -> Verdict:
    """31: pre-commit hooks are configured."""
    if ".pre-commit-config.yaml" not in s.facts.paths:
        return _fail("no .pre-commit-config.yaml")
    return _pass(".pre-commit-config.yaml is present", _tree(s, ".pre-commit-config.yaml"))


def tested_with_gate(s: Subject) -> Verdict:
    """32: tests exist and CI enforces a coverage gate (the central test workflow's threshold, not 0)."""
    tests = sorted(
        p
        for p in s.facts.paths
        if p.startswith("tests/") and p.rsplit("/", 1)[-1].startswith("test_") and p.endswith(".py")
    )
    if not tests:
        return _fail("no tests/test_*.py")
    gated = [c for c in s.calls if c.use.workflow == TEST and _threshold(c) > 0]
    if not gated:
        return _fail(f"no call of the central {TEST} with a coverage-threshold above 0", _tree(s, tests[0]))
    detail = f"coverage-threshold={_threshold(gated[0]):g}" + (
        "" if "coverage-threshold" in gated[0].inputs else " (the central default)"
    )
    return _pass(f"{len(tests)} test file(s); {detail}", _tree(s, tests[0]), _call_evidence(gated[0], detail))


def docs_as_code(s: Subject) -> Verdict:
    """37: the README documents more than the template's stub: a section of the team's own."""
    text = s.facts.files.get(README_FILE)
    if text is None:
        return _fail("no README.md")
    own = [
        (n, m[1])
        for n, line in enumerate(text.splitlines(), start=1)
        if (m := _HEADING.match(line)) and m[1] not in TEMPLATE_README_HEADINGS
    ]
    if not own:
        return _fail("README.md has only the template's sections", s.facts.file_evidence(README_FILE))
    return _pass(
        f"README.md has its own section(s): {', '.join(t for _, t in own[:3])}",
        s.facts.file_evidence(README_FILE, own[0][0]),
    )


def release_notes(s: Subject) -> Verdict:
    """38: releases are marked: the repo has tags or releases."""
    if s.facts.has_tags is None:
        return Verdict("unknown", "tags could not be read")
    url = f"{s.facts.html_url}/tags"
    if not s.facts.has_tags:
        return _fail("no tags", Evidence("api", "GET tags", "empty", url))
    return _pass("the repo has release tags", Evidence("api", "GET tags", "at least one tag", url))


def cost_tracked(s: Subject) -> Verdict:
    """39: cost is tracked: every job carries team and cost_center tags."""
    jobs = _jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (path, job) in jobs.items():
        tags = _tags(job)
        missing = [tag for tag in ("team", "cost_center") if not tags.get(tag)]
        text = s.facts.files.get(path, "")
        if missing:
            return _fail(
                f"job {key} has no {' or '.join(missing)} tag",
                s.facts.file_evidence(path, line_of(text, key)),
            )
        evidence.append(
            s.facts.file_evidence(
                path,
                line_of(text, "cost_center:"),
                f"job {key}: team={tags['team']}, cost_center={tags['cost_center']}",
            )
        )
    return _pass("every job carries team and cost_center tags", *evidence)


def _jobs(s: Subject) -> dict[str, tuple[str, dict[str, Any]]] | Verdict:
    if s.bundle is None:
        return _fail("no databricks.yml")
    if s.bundle.problems:
        return _fail(s.bundle.problems[0], s.facts.file_evidence("databricks.yml"))
    if not s.bundle.jobs:
        return _fail("the bundle defines no job", s.facts.file_evidence("databricks.yml"))
    return s.bundle.jobs


def _tags(job: dict[str, Any]) -> dict[str, Any]:
    tags = job.get("tags")
    return tags if isinstance(tags, dict) else {}


def _threshold(call: CentralCall) -> float:
    """The coverage threshold a test call sets; absent means the central workflow's default, which gates."""
    value = call.inputs.get("coverage-threshold", 1)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0  # an expression such as ${{ vars.X }}: set, value known only at run time


@dataclass(frozen=True)
class Statement:
    info: StatementInfo
    check: Check


def _statement(numbers: tuple[int, ...], title: str, check: Check) -> Statement:
    doc = (check.__doc__ or "").split(":", 1)[-1].strip()
    return Statement(StatementInfo("/".join(map(str, numbers)), numbers, title, doc), check)


STATEMENTS = (
    _statement((10, 16, 17), "code in VCS", code_in_vcs),
    _statement((11, 18, 30, 34), "PRs and approvals", reviews_required),
    _statement((12, 19), "CD on merge", cd_on_merge),
    _statement((13,), "only CD deploys", only_cd_deploys),
    _statement((14, 21), "2+ environments, same process", same_process_environments),
    _statement((20,), "environment as code", environment_as_code),
    _statement((22, 25), "commit and artifact traceable", traceable),
    _statement((29, 33), "CI on PR", ci_on_pr),
    _statement((31,), "pre-commit", pre_commit),
    _statement((32,), "tests and coverage gate", tested_with_gate),
    _statement((37,), "docs as code", docs_as_code),
    _statement((38,), "release notes", release_notes),
    _statement((39,), "cost tracking", cost_tracked),
)
AUTOMATED = frozenset(number for statement in STATEMENTS for number in statement.info.numbers)
MANUAL = tuple(number for number in range(1, ASSESSMENT_SIZE + 1) if number not in AUTOMATED)


def assess(subject: Subject) -> dict[str, Verdict]:
    return {statement.info.id: statement.check(subject) for statement in STATEMENTS}


def unknown_for_all(reason: str) -> dict[str, Verdict]:
    return {statement.info.id: Verdict("unknown", reason) for statement in STATEMENTS}
