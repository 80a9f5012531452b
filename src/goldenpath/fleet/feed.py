"""The JSON feed: one document of a report's facts and the scorecard judged from them.

The report (`model`) and the scorecard (`scorecard`, built from a report) stay
apart, so dependencies run one way; the document puts the scorecard's
sections between the scan and the repos, and each repo's level and changes
after its own fields, as schema version 1 has them.
"""

from __future__ import annotations

import json
from typing import Any

from goldenpath.fleet.model import FleetReport, repo_json
from goldenpath.fleet.scorecard import Scorecard


def report_json(report: FleetReport, card: Scorecard) -> dict[str, Any]:
    return {
        **report.head_json(),
        **card.to_json(),
        "repos": [{**repo_json(repo), **card.repo_json(repo)} for repo in report.repos],
    }


def dumps(report: FleetReport, card: Scorecard) -> str:
    """Compact JSON (the C encoder: a report of thousands of repos is written in a second); `jq .` indents it."""
    return json.dumps(report_json(report, card), ensure_ascii=False, separators=(",", ":")) + "\n"
