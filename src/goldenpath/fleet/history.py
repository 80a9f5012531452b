"""Earlier reports (`--history DIR`): the points of the trend, and the last report to compare with.

Each `*.json` in the directory that is a fleet report of schema version 1 and
older than this one counts; anything else is named on stderr and skipped.
Reports are read one at a time and reduced to counts at once, so 26 weekly
reports of a large org never sit in memory together; only the newest keeps
its per-repo results, for "newly passing" and "newly failing".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goldenpath.console import progress
from goldenpath.fleet.campaigns import lacks
from goldenpath.fleet.config import Campaign
from goldenpath.fleet.levels import LevelDefinition, counts, level_of
from goldenpath.fleet.model import REPORT_KIND, SCHEMA_VERSION


@dataclass(frozen=True)
class Row:
    """What the trend needs of one repo of one report."""

    full_name: str
    results: dict[str, str]
    version: str | None


@dataclass(frozen=True)
class Point:
    """One report reduced to counts."""

    generated_at: str
    repos: int
    statement_pass_counts: dict[str, int]
    level_counts: dict[str, int]
    all_pass: int
    campaign_passing: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "repos": self.repos,
            "statement_pass_counts": self.statement_pass_counts,
            "level_counts": self.level_counts,
            "automated_statements_all_pass": self.all_pass,
            "campaign_passing": self.campaign_passing,
        }


@dataclass
class History:
    points: list[Point] = field(default_factory=list)  # earlier reports, oldest first
    previous: str | None = None  # generated_at of the newest earlier report
    previous_results: dict[str, dict[str, str]] = field(default_factory=dict)  # full_name -> id -> result


def point_of(
    generated_at: str,
    rows: Iterable[Row],
    statement_ids: list[str],
    levels: tuple[LevelDefinition, ...],
    campaigns: tuple[Campaign, ...],
) -> Point:
    rows = list(rows)
    reached = [level_of(row.results, levels).name for row in rows]
    return Point(
        generated_at,
        len(rows),
        {key: sum(row.results.get(key) == "pass" for row in rows) for key in statement_ids},
        counts(levels, reached),
        sum(bool(row.results) and set(row.results.values()) == {"pass"} for row in rows),
        {c.slug: sum(not lacks(c.goal, row.results, row.version) for row in rows) for c in campaigns},
    )


def read_history(
    directory: Path,
    before: str,
    statement_ids: list[str],
    levels: tuple[LevelDefinition, ...],
    campaigns: tuple[Campaign, ...],
) -> History:
    """The earlier reports in `directory` (generated before `before`), reduced."""
    history = History()
    if not directory.is_dir():
        progress(f"history: {directory} does not exist yet; no trend this time")
        return history
    for path in sorted(directory.glob("*.json")):
        report = _load(path)
        if report is None:
            continue
        generated_at = str(report.get("generated_at") or "")
        if not generated_at or generated_at >= before:
            continue
        rows = [_row(repo) for repo in report.get("repos") or [] if isinstance(repo, dict)]
        history.points.append(point_of(generated_at, rows, statement_ids, levels, campaigns))
        if history.previous is None or generated_at > history.previous:
            history.previous = generated_at
            history.previous_results = {row.full_name: row.results for row in rows}
    history.points.sort(key=lambda point: point.generated_at)
    return history


def _load(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        progress(f"history: skipped {path.name}: not readable JSON ({exc})")
        return None
    if not isinstance(report, dict) or report.get("kind") != REPORT_KIND:
        progress(f"history: skipped {path.name}: not a fleet report")
        return None
    if report.get("schema_version") != SCHEMA_VERSION:
        progress(
            f"history: skipped {path.name}: schema version {report.get('schema_version')!r}, not {SCHEMA_VERSION}"
        )
        return None
    return report


def _row(repo: dict[str, Any]) -> Row:
    maturity = repo.get("maturity") or {}
    results = {
        str(key): str(verdict.get("result")) for key, verdict in maturity.items() if isinstance(verdict, dict)
    }
    template = repo.get("template") or {}
    return Row(str(repo.get("full_name")), results, template.get("version"))
