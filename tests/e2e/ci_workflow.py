"""The generated ci.yml and the central jobs it calls, as act labels them."""

from __future__ import annotations

import re
from typing import Any

import yaml

from e2e.act_run import ActRun
from e2e.repos import GeneratedRepo
from rendering import REPO_ROOT

WORKFLOW = "ci.yml"


def caller_jobs(repo: GeneratedRepo) -> dict[str, dict[str, Any]]:
    """The generated ci.yml's jobs: id -> definition."""
    workflow = yaml.safe_load((repo.path / ".github" / "workflows" / WORKFLOW).read_text(encoding="utf-8"))
    jobs: dict[str, dict[str, Any]] = workflow["jobs"]
    return jobs


def central_job_name(workflow_file: str, job_id: str) -> str:
    """A central workflow job's `name:`, the last part of act's job label."""
    workflow = yaml.safe_load(
        (REPO_ROOT / ".github" / "workflows" / workflow_file).read_text(encoding="utf-8")
    )
    return str(workflow["jobs"][job_id]["name"])


TEST_JOB = central_job_name("reusable-test.yml", "test")
DOCS_JOB = central_job_name("reusable-test.yml", "docs")


def act_job(run: ActRun, caller_job: str, name: str | None = None) -> str:
    """act's label of the job a caller job ran through its reusable workflow (the one called `name`)."""
    labels = [
        label
        for label in run.jobs
        if label.startswith(f"{caller_job}/") and (name is None or label.endswith(f"/{name}"))
    ]
    assert len(labels) == 1, f"expected one finished job for {caller_job!r}, got {run.jobs}\n{run.tail()}"
    return labels[0]


def without_type_check_and_docs(repo: GeneratedRepo) -> None:
    """Turn off the caller's opt-ins (mypy, the docs site job): a run that proves a failure in
    the lint-and-test job needs neither, and each costs a minute."""
    caller = repo.path / ".github" / "workflows" / WORKFLOW
    text = caller.read_text(encoding="utf-8")
    for option in ("type-check", "docs"):
        text, count = re.subn(rf"(?m)^(\s+{option}): true$", r"\1: false", text)
        assert count == 1, f"{option}: true not found in {caller}"
    caller.write_text(text, encoding="utf-8")
