"""The check names a generated repository's CI reports, for its branch ruleset.

GitHub names the check of a job that calls a reusable workflow
`<caller job name> / <called job name>` (a job's name defaults to its id).
Both halves are read from the files themselves, the generated `ci.yml` and the
central reusable workflows it calls, so a renamed job cannot leave the ruleset
waiting for a check that never reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

WORKFLOWS_DIR = ".github/workflows/"


def required_checks(ci_text: str, central_slug: str, read_central: Callable[[str], str]) -> list[str]:
    """Check names of every job `ci_text` runs on a pull request.

    `read_central(path)` returns a central repository file, for jobs that call
    `<central_slug>/.github/workflows/<file>@<ref>`.
    """
    workflow = _mapping(yaml.safe_load(ci_text))
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as True
    if not isinstance(triggers, dict) or "pull_request" not in triggers:
        raise ValueError("the generated ci.yml does not run on pull_request; no check could be required")
    names = []
    for job_id, job in _mapping(workflow.get("jobs")).items():
        caller = str(job.get("name") or job_id)
        uses = str(job.get("uses") or "")
        if not uses:
            names.append(caller)
            continue
        target = uses.split("@", 1)[0]
        prefix = f"{central_slug}/{WORKFLOWS_DIR}"
        if not target.lower().startswith(prefix.lower()):
            raise ValueError(f"job {job_id!r} calls {uses!r}, not a central workflow of {central_slug}")
        called = _mapping(yaml.safe_load(read_central(WORKFLOWS_DIR + target[len(prefix) :])))
        names += [
            f"{caller} / {inner.get('name') or inner_id}"
            for inner_id, inner in _mapping(called.get("jobs")).items()
        ]
    return names


def _mapping(node: Any) -> dict[Any, Any]:
    if not isinstance(node, dict):
        raise ValueError(f"expected a mapping in the workflow, found {type(node).__name__}")
    return node
