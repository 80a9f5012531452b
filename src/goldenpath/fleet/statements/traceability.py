"""Section 2 of the assessment, traceability and reproducibility (9-28): what the repo and GitHub show."""

from __future__ import annotations

from goldenpath.bundle import BUNDLE_FILE, ROOT_FILES, line_of, task_parameters
from goldenpath.fleet.facts import CODEOWNERS_PATHS
from goldenpath.fleet.model import Verdict
from goldenpath.fleet.statements.subject import (
    Subject,
    bundle_jobs,
    call_evidence,
    failing,
    job_tags,
    passing,
    statement,
    tree_evidence,
    valid_bundle,
)
from goldenpath.fleet.workflows import DEPLOYS
from goldenpath.settings import DEPLOYED_ENVIRONMENTS

RUN_ID_PARAMETER = "{{job.run_id}}"


def code_in_vcs(s: Subject) -> Verdict:
    """10/16/17: infrastructure (the bundle) and the ML code live in version control."""
    code = sorted(p for p in s.facts.paths if p.startswith("src/") and p.endswith(".py"))
    root = next((name for name in ROOT_FILES if name in s.facts.paths), None)
    missing = [what for what, there in (("src/**/*.py", code), (BUNDLE_FILE, root)) if not there]
    if missing or root is None:
        return failing(f"the default branch has no {' and no '.join(missing)}")
    return passing("bundle and package code are in git", tree_evidence(s, root), tree_evidence(s, code[0]))


def reviews_required(s: Subject) -> Verdict:
    """11/18/30/34: changes go through pull requests with at least one approval, and code owners review."""
    approvals = s.facts.approvals
    if approvals is None:
        return Verdict("unknown", "protection could not be read")
    owners = [p for p in CODEOWNERS_PATHS if p in s.facts.paths]
    evidence = list(approvals.evidence) + [tree_evidence(s, p) for p in owners[:1]]
    if not approvals.count and approvals.unreadable:
        return Verdict("unknown", approvals.unreadable, tuple(evidence))
    if not approvals.count:
        what = (
            "no ruleset or branch protection requires pull requests"
            if approvals.count is None
            else "pull requests need 0 approvals"
        )
        return failing(f"{what} on {s.facts.default_branch}", *evidence)
    if not owners:
        return failing("no CODEOWNERS file", *evidence)
    return passing(f"{approvals.count} approval(s) required and CODEOWNERS present", *evidence)


def cd_on_merge(s: Subject) -> Verdict:
    """12/19: merged changes are deployed by CD, through the central deploy workflow."""
    deploys = [c for c in s.calls if c.use.workflow in DEPLOYS and "push" in c.triggers]
    if not deploys:
        return failing(f"no workflow triggered on push calls the central {' or '.join(DEPLOYS)}")
    return passing(
        "pushes deploy through the central workflow",
        call_evidence(deploys[0], f"calls {deploys[0].use.workflow}"),
    )


def only_cd_deploys(s: Subject) -> Verdict:
    """13: acc and prd run as a service principal, and prd deploys need a reviewer."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    path, text = bundle.root.path, bundle.root.text
    evidence = []
    for name in DEPLOYED_ENVIRONMENTS:
        run_as = (bundle.targets.get(name) or {}).get("run_as") or {}
        if not (isinstance(run_as, dict) and run_as.get("service_principal_name")):
            return failing(
                f"target {name} does not run as a service principal",
                s.facts.file_evidence(path, line_of(text, f"{name}:")),
            )
        evidence.append(
            s.facts.file_evidence(
                path,
                line_of(text, str(run_as["service_principal_name"])),
                f"{name}.run_as.service_principal_name",
            )
        )
    if s.facts.prd_reviewers is None:
        return Verdict("unknown", "the prd environment could not be read", tuple(evidence))
    if not s.facts.prd_reviewers:
        return failing("the prd environment has no required reviewers", *evidence)
    return passing("service principals deploy; prd needs a reviewer", *evidence, *s.facts.prd_reviewers)


def same_process_environments(s: Subject) -> Verdict:
    """14/21: at least two environments (acc and prd targets), deployed by the same bundle."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    missing = [name for name in DEPLOYED_ENVIRONMENTS if name not in bundle.targets]
    path, text = bundle.root.path, bundle.root.text
    if missing:
        return failing(
            f"{path} has no target {' or '.join(missing)}",
            s.facts.file_evidence(path, line_of(text, "targets:")),
        )
    return passing(
        "one bundle deploys acc and prd",
        *(
            s.facts.file_evidence(path, line_of(text, f"  {n}:"), f"target {n}")
            for n in DEPLOYED_ENVIRONMENTS
        ),
    )


def environment_as_code(s: Subject) -> Verdict:
    """20: the environment is code: poetry.lock is committed."""
    if "poetry.lock" not in s.facts.paths:
        return failing("poetry.lock is not committed")
    return passing("poetry.lock is committed", tree_evidence(s, "poetry.lock"))


def traceable(s: Subject) -> Verdict:
    """22/25: every job carries the git_sha tag and passes the run id to its tasks."""
    jobs = bundle_jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (path, job) in jobs.items():
        text = s.facts.files.get(path, "")
        tags = job_tags(job)
        if "git_sha" not in tags:
            return failing(f"job {key} has no git_sha tag", s.facts.file_evidence(path, line_of(text, key)))
        if not any(RUN_ID_PARAMETER in p.replace(" ", "") for p in task_parameters(job)):
            return failing(
                f"job {key} passes no {RUN_ID_PARAMETER} parameter",
                s.facts.file_evidence(path, line_of(text, key)),
            )
        evidence += [
            s.facts.file_evidence(path, line_of(text, "git_sha:"), f"job {key} tag git_sha"),
            s.facts.file_evidence(path, line_of(text, "job.run_id"), f"job {key} run id parameter"),
        ]
    return passing("commit and run are traceable from every job", *evidence)


STATEMENTS = (
    statement((10, 16, 17), "code in VCS", code_in_vcs),
    statement((11, 18, 30, 34), "PRs and approvals", reviews_required),
    statement((12, 19), "CD on merge", cd_on_merge),
    statement((13,), "only CD deploys", only_cd_deploys),
    statement((14, 21), "2+ environments, same process", same_process_environments),
    statement((20,), "environment as code", environment_as_code),
    statement((22, 25), "commit and artifact traceable", traceable),
)
