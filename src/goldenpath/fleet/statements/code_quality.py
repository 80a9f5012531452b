"""Section 3 of the assessment, code quality (29-38): CI, pre-commit, tests, docs and releases."""

from __future__ import annotations

import re

from goldenpath.fleet.facts import README_FILE
from goldenpath.fleet.model import Evidence, Verdict
from goldenpath.fleet.statements.subject import (
    Subject,
    call_evidence,
    failing,
    passing,
    statement,
    tree_evidence,
)
from goldenpath.fleet.workflows import TEST, CentralCall

# The `##` headings the template's README.md writes (tests/test_fleet.py keeps this in step with it).
TEMPLATE_README_HEADINGS = (
    "Names (derived from the repository name; do not rename by hand)",
    "Run locally",
    "Serve online",  # serving repos only
    "A/B testing",  # serving repos only
    "Monitoring",  # repos with the example pipeline only
    "Test",
    "Docs and catalog",
    "Deploy",
    "Update from the template",
)
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")


def ci_on_pr(s: Subject) -> Verdict:
    """29/33: every pull request runs CI: the central test workflow."""
    tests = [c for c in s.calls if c.use.workflow == TEST and "pull_request" in c.triggers]
    if not tests:
        return failing(f"no workflow triggered on pull_request calls the central {TEST}")
    return passing(
        "pull requests run the central tests", call_evidence(tests[0], f"calls {TEST} on pull_request")
    )


def pre_commit(s: Subject) -> Verdict:
    """31: pre-commit hooks are configured."""
    if ".pre-commit-config.yaml" not in s.facts.paths:
        return failing("no .pre-commit-config.yaml")
    return passing(".pre-commit-config.yaml is present", tree_evidence(s, ".pre-commit-config.yaml"))


def tested_with_gate(s: Subject) -> Verdict:
    """32: tests exist and CI enforces a coverage gate (the central test workflow's threshold, not 0)."""
    tests = sorted(
        p
        for p in s.facts.paths
        if p.startswith("tests/") and p.rsplit("/", 1)[-1].startswith("test_") and p.endswith(".py")
    )
    if not tests:
        return failing("no tests/test_*.py")
    gated = [c for c in s.calls if c.use.workflow == TEST and _threshold(c) > 0]
    if not gated:
        return failing(
            f"no call of the central {TEST} with a coverage-threshold above 0", tree_evidence(s, tests[0])
        )
    detail = f"coverage-threshold={_threshold(gated[0]):g}" + (
        "" if "coverage-threshold" in gated[0].inputs else " (the central default)"
    )
    return passing(
        f"{len(tests)} test file(s); {detail}", tree_evidence(s, tests[0]), call_evidence(gated[0], detail)
    )


def docs_as_code(s: Subject) -> Verdict:
    """37: the README documents more than the template's stub: a section of the team's own."""
    text = s.facts.files.get(README_FILE)
    if text is None:
        return failing("no README.md")
    own = [
        (n, m[1])
        for n, line in enumerate(text.splitlines(), start=1)
        if (m := _HEADING.match(line)) and m[1] not in TEMPLATE_README_HEADINGS
    ]
    if not own:
        return failing("README.md has only the template's sections", s.facts.file_evidence(README_FILE))
    return passing(
        f"README.md has its own section(s): {', '.join(t for _, t in own[:3])}",
        s.facts.file_evidence(README_FILE, own[0][0]),
    )


def release_notes(s: Subject) -> Verdict:
    """38: releases are marked: the repo has tags or releases."""
    if s.facts.has_tags is None:
        return Verdict("unknown", "tags could not be read")
    url = f"{s.facts.html_url}/tags"
    if not s.facts.has_tags:
        return failing("no tags", Evidence("api", "GET tags", "empty", url))
    return passing("the repo has release tags", Evidence("api", "GET tags", "at least one tag", url))


def _threshold(call: CentralCall) -> float:
    """The coverage threshold a test call sets; absent means the central workflow's default, which gates."""
    value = call.inputs.get("coverage-threshold", 1)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0  # an expression such as ${{ vars.X }}: set, value known only at run time


STATEMENTS = (
    statement((29, 33), "CI on PR", ci_on_pr),
    statement((31,), "pre-commit", pre_commit),
    statement((32,), "tests and coverage gate", tested_with_gate),
    statement((37,), "docs as code", docs_as_code),
    statement((38,), "release notes", release_notes),
)
