"""The automated maturity statements, numbered as in the MLOps maturity assessment.

Each statement is one small function from what a repo holds (`Subject`) to a
`Verdict`: pass, fail or unknown, with the evidence (file and line, ruleset,
API field). They live by section of the assessment: `traceability` (section 2,
9-28), `code_quality` (3, 29-38), `monitoring` (4, 39-46), `ab_testing` (7,
58-60); a new statement goes
into its section's module and its `STATEMENTS`. The assessment has 60
statements; the repo is "mature" when all of 1-46 hold. Those no module
checks need people to answer them (`MANUAL`), and every report says so instead
of guessing; where a section is checked but one of its statements is not,
`MANUAL_WHY` says why.
"""

from __future__ import annotations

from goldenpath.fleet.model import Verdict
from goldenpath.fleet.statements import ab_testing, code_quality, monitoring, traceability
from goldenpath.fleet.statements.code_quality import TEMPLATE_README_HEADINGS
from goldenpath.fleet.statements.monitoring import MANUAL_WHY
from goldenpath.fleet.statements.subject import Statement, Subject

ASSESSMENT_SIZE = 60
# In the assessment's order (by each statement's first number).
STATEMENTS: tuple[Statement, ...] = tuple(
    sorted(
        (*traceability.STATEMENTS, *code_quality.STATEMENTS, *monitoring.STATEMENTS, *ab_testing.STATEMENTS),
        key=lambda statement: statement.info.numbers,
    )
)
AUTOMATED = frozenset(number for statement in STATEMENTS for number in statement.info.numbers)
MANUAL = tuple(number for number in range(1, ASSESSMENT_SIZE + 1) if number not in AUTOMATED)

__all__ = [
    "ASSESSMENT_SIZE",
    "AUTOMATED",
    "MANUAL",
    "MANUAL_WHY",
    "STATEMENTS",
    "TEMPLATE_README_HEADINGS",
    "Statement",
    "Subject",
    "assess",
    "unknown_for_all",
]


def assess(subject: Subject) -> dict[str, Verdict]:
    return {statement.info.id: statement.check(subject) for statement in STATEMENTS}


def unknown_for_all(reason: str) -> dict[str, Verdict]:
    return {statement.info.id: Verdict("unknown", reason) for statement in STATEMENTS}
