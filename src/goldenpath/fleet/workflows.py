"""Which central reusable workflows a repo calls, at which kind of ref, and what it should call.

A generated repo's callers use `<org>/<central>/.github/workflows/<file>@<ref>`:
`@vN` follows the release line, `@vX.Y.Z` is pinned, `@<sha>` is pinned to a
commit, no call at all is off-road. The expected set comes from the template's
own `goldenpath.project.WORKFLOW_FILES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goldenpath.fleet.model import WorkflowUsage, WorkflowUse
from goldenpath.fleet.yaml_text import parsed
from goldenpath.project import WORKFLOW_FILES
from goldenpath.refs import uses_in_text

WORKFLOW_DIR = ".github/workflows/"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_MOVING = re.compile(r"^v\d+$")
_RELEASE = re.compile(r"^v\d+\.\d+\.\d+$")
TEST, BUILD = WORKFLOW_FILES["test"], WORKFLOW_FILES["build"]
DEPLOYS = (WORKFLOW_FILES["deploy"], WORKFLOW_FILES["deploy-oidc"])
# What every goldenpath repo calls; a deploy may be either auth flavour.
EXPECTED = ((TEST,), (BUILD,), DEPLOYS)


@dataclass(frozen=True)
class CentralCall:
    """One job calling a central workflow, with the workflow file's triggers and the job's inputs."""

    use: WorkflowUse
    triggers: frozenset[str]
    inputs: dict[str, Any] = field(default_factory=dict)


def is_workflow(path: str) -> bool:
    return (
        path.startswith(WORKFLOW_DIR)
        and path.endswith((".yml", ".yaml"))
        and "/" not in path[len(WORKFLOW_DIR) :]
    )


def ref_kind(ref: str) -> str:
    if _MOVING.match(ref):
        return "following"
    if _RELEASE.match(ref):
        return "pinned"
    return "sha" if _SHA.match(ref) else "other"


def central_calls(path: str, text: str, central_slug: str, blob_url: str | None) -> list[CentralCall]:
    """The central workflow calls in one workflow file (YAML errors leave triggers/inputs empty)."""
    try:
        document = parsed(text)
    except yaml.YAMLError:
        document = None
    document = document if isinstance(document, dict) else {}
    triggers = _triggers(document)
    inputs_by_target = _job_inputs(document)
    calls = []
    for use in uses_in_text(text, Path(path)):
        if use.slug.lower() != central_slug.lower() or not use.path.startswith("/.github/workflows/"):
            continue
        workflow = use.path.rsplit("/", 1)[-1]
        url = f"{blob_url}/{path}#L{use.line}" if blob_url else None
        calls.append(
            CentralCall(
                WorkflowUse(path, use.line, workflow, use.ref, ref_kind(use.ref), url),
                triggers,
                inputs_by_target.get(use.target, {}),
            )
        )
    return calls


def usage(calls: list[CentralCall]) -> WorkflowUsage:
    uses = tuple(call.use for call in calls)
    called = {use.workflow for use in uses}
    missing = tuple(" or ".join(group) for group in EXPECTED if not called.intersection(group))
    if not uses:
        return WorkflowUsage("off-road", (), missing)
    kinds = {use.kind for use in uses}
    return WorkflowUsage(kinds.pop() if len(kinds) == 1 else "mixed", uses, missing)


def _triggers(document: dict[Any, Any]) -> frozenset[str]:
    on = document.get("on", document.get(True))  # PyYAML reads the bare key `on` as True
    if isinstance(on, str):
        return frozenset({on})
    if isinstance(on, list):
        return frozenset(str(item) for item in on)
    return frozenset(str(key) for key in on) if isinstance(on, dict) else frozenset()


def _job_inputs(document: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    jobs = document.get("jobs")
    found: dict[str, dict[str, Any]] = {}
    if isinstance(jobs, dict):
        for job in jobs.values():
            if isinstance(job, dict) and isinstance(job.get("uses"), str):
                inputs = job.get("with")
                found[job["uses"]] = inputs if isinstance(inputs, dict) else {}
    return found
