"""Evidence from the bundle's resources, shared by the sections that read them: where a resource,
a job's task or the repo's kind is written, as `file:line`."""

from __future__ import annotations

import re
from typing import Any

from goldenpath.bundle import Bundle, YamlFile, line_of
from goldenpath.fleet.facts import ANSWERS_FILE
from goldenpath.fleet.model import Evidence, Verdict
from goldenpath.fleet.statements.subject import Subject, failing, valid_bundle

Jobs = dict[str, tuple[YamlFile, dict[str, Any]]]


def declared_jobs(s: Subject) -> Jobs | Verdict:
    """The bundle's jobs with the files that declare them, or the verdict of a repo without any."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    jobs = bundle.declared("jobs")
    return jobs or failing("the bundle defines no job", s.facts.file_evidence(bundle.root.path))


def task_evidence(s: Subject, jobs: Jobs, task_key: str) -> Evidence | None:
    """Evidence of the first job task with `task_key`, at its line."""
    pattern = re.compile(rf"^\s*-?\s*task_key:\s*[\"']?{re.escape(task_key)}[\"']?\s*(#.*)?$")
    for key, (file, job) in jobs.items():
        tasks = job.get("tasks") or []
        if any(isinstance(task, dict) and task.get("task_key") == task_key for task in tasks):
            line = next(
                (n for n, text in enumerate(file.text.splitlines(), start=1) if pattern.match(text)),
                file.line("resources", "jobs", key, "tasks"),
            )
            return s.facts.file_evidence(file.path, line, f"job {key}, task {task_key}")
    return None


def tasks_of(s: Subject, jobs: Jobs, key: str) -> list[Evidence]:
    """Where a missing task belongs: the tasks of the template's job `key`, when the bundle has it."""
    if key not in jobs:
        return []
    return [at_resource(s, jobs[key][0], "jobs", key, "tasks", detail=f"the tasks of job {key}")]


def kind_evidence(s: Subject, bundle: Bundle) -> Evidence:
    """Where the repo's kind is written: the answers' project_kind, else the bundle's endpoints (none)."""
    answers = s.facts.files.get(ANSWERS_FILE, "")
    line = line_of(answers, "project_kind:")
    if line is not None:
        return s.facts.file_evidence(ANSWERS_FILE, line, answers.splitlines()[line - 1].strip())
    return s.facts.file_evidence(bundle.root.path, None, "the bundle declares no model_serving_endpoints")


def at_resource(s: Subject, file: YamlFile, *keys: str, detail: str = "") -> Evidence:
    """Evidence at the line of `resources.<keys>` in a bundle file."""
    return s.facts.file_evidence(file.path, file.line("resources", *keys), detail)


def dig(node: Any, *keys: str) -> Any:
    """The value at `keys` in nested mappings (None when any is missing)."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
