"""Section 4 of the assessment, monitoring and support (39-46): what the repo shows of cost and monitoring."""

from __future__ import annotations

from goldenpath.bundle import line_of
from goldenpath.fleet.model import Verdict
from goldenpath.fleet.statements.subject import Subject, bundle_jobs, failing, job_tags, passing, statement


def cost_tracked(s: Subject) -> Verdict:
    """39: cost is tracked: every job carries team and cost_center tags."""
    jobs = bundle_jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (path, job) in jobs.items():
        tags = job_tags(job)
        missing = [tag for tag in ("team", "cost_center") if not tags.get(tag)]
        text = s.facts.files.get(path, "")
        if missing:
            return failing(
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
    return passing("every job carries team and cost_center tags", *evidence)


STATEMENTS = (statement((39,), "cost tracking", cost_tracked),)
