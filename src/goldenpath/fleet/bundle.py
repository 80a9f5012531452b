"""The Databricks bundle as a repo holds it: `databricks.yml` plus the resource files it includes."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

import yaml

from goldenpath.fleet.facts import BUNDLE_FILE


@dataclass(frozen=True)
class Bundle:
    targets: dict[str, dict[str, Any]]
    jobs: dict[str, tuple[str, dict[str, Any]]]  # job key -> (file, job mapping)
    problems: list[str] = field(default_factory=list)


def read_bundle(files: dict[str, str]) -> Bundle | None:
    """None when the repo has no bundle; YAML problems are kept, not raised."""
    if BUNDLE_FILE not in files:
        return None
    problems: list[str] = []
    root = _mapping(files[BUNDLE_FILE], BUNDLE_FILE, problems)
    targets = {str(k): v if isinstance(v, dict) else {} for k, v in (root.get("targets") or {}).items()}
    patterns = [str(p) for p in root.get("include") or [] if isinstance(p, str)]
    sources = [(BUNDLE_FILE, root)] + [
        (path, _mapping(text, path, problems))
        for path, text in sorted(files.items())
        if any(fnmatch(path, pattern) for pattern in patterns)
    ]
    jobs: dict[str, tuple[str, dict[str, Any]]] = {}
    for path, document in sources:
        resources = document.get("resources")
        found = resources.get("jobs") if isinstance(resources, dict) else None
        if isinstance(found, dict):
            jobs.update({str(key): (path, job) for key, job in found.items() if isinstance(job, dict)})
    return Bundle(targets, jobs, problems)


def line_of(text: str, needle: str) -> int | None:
    """First line (1-based) containing `needle`: evidence points people at it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def task_parameters(job: dict[str, Any]) -> list[str]:
    """Every parameter of every task, whatever the task type."""
    found: list[str] = []
    for task in job.get("tasks") or []:
        if not isinstance(task, dict):
            continue
        for key, spec in task.items():
            if key.endswith("_task") and isinstance(spec, dict):
                parameters = spec.get("parameters") or spec.get("base_parameters") or []
                values = parameters.values() if isinstance(parameters, dict) else parameters
                found += [str(value) for value in values]
    return found


def _mapping(text: str, path: str, problems: list[str]) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.append(f"{path} is not valid YAML: {exc}")
        return {}
    return document if isinstance(document, dict) else {}
