"""The scorecard on top of a report: levels, trends since earlier reports, and campaigns.

Everything here is derived from the report's rows, the `fleet:` settings and
the earlier reports, never from GitHub: a merge of shards computes it exactly
as one scan does. Changes since the previous report count only a flip between
pass and fail (`unknown` on either side is no change: a repo that could not be
read is not "newly failing").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from goldenpath.fleet.campaigns import CampaignProgress, Failing, Standing, baseline, lacks
from goldenpath.fleet.config import FleetConfig
from goldenpath.fleet.history import History, Point, Row, point_of
from goldenpath.fleet.levels import LevelDefinition, RepoLevel, counts, definitions, level_of
from goldenpath.fleet.model import FleetReport, RepoReport


@dataclass(frozen=True)
class RepoChanges:
    newly_passing: tuple[str, ...]
    newly_failing: tuple[str, ...]
    new: bool = False  # not in the previous report

    def to_json(self) -> dict[str, Any]:
        return {
            "newly_passing": list(self.newly_passing),
            "newly_failing": list(self.newly_failing),
            "new": self.new,
        }


@dataclass
class Scorecard:
    org: str
    levels: tuple[LevelDefinition, ...]
    repo_levels: dict[str, RepoLevel]
    points: list[Point]  # earlier reports, then this one
    previous: str | None
    changes: dict[str, RepoChanges]
    with_history: bool
    campaigns: list[CampaignProgress] = field(default_factory=list)

    @property
    def level_counts(self) -> dict[str, int]:
        return counts(self.levels, [level.name for level in self.repo_levels.values()])

    def newly(self, kind: str) -> dict[str, int]:
        """Repos per statement that newly pass (`kind` "newly_passing") or newly fail."""
        tally: dict[str, int] = {}
        for change in self.changes.values():
            for statement in getattr(change, kind):
                tally[statement] = tally.get(statement, 0) + 1
        return dict(sorted(tally.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "levels": {
                "definitions": [level.to_json() for level in self.levels],
                "counts": self.level_counts,
            },
            "trends": (
                {
                    "previous": self.previous,
                    "newly_passing": self.newly("newly_passing"),
                    "newly_failing": self.newly("newly_failing"),
                    "points": [point.to_json() for point in self.points],
                }
                if self.with_history
                else None
            ),
            "campaigns": [progress.to_json(self.org) for progress in self.campaigns],
        }

    def repo_json(self, repo: RepoReport) -> dict[str, Any]:
        changes = self.changes.get(repo.full_name)
        return {
            "level": self.repo_levels[repo.full_name].to_json()
            if repo.full_name in self.repo_levels
            else None,
            "changes": changes.to_json() if changes else None,
        }


def build(report: FleetReport, config: FleetConfig, history: History | None) -> Scorecard:
    """The scorecard of `report`; `history` None means no `--history` was given."""
    levels = definitions(config.levels)
    ids = [info.id for info in report.statements]
    rows = [Row(repo.full_name, repo.results(), repo.template.version) for repo in report.repos]
    current = point_of(report.generated_at, rows, ids, levels, config.campaigns)
    earlier = history.points if history else []
    scorecard = Scorecard(
        org=report.org,
        levels=levels,
        repo_levels={repo.full_name: level_of(repo.results(), levels) for repo in report.repos},
        points=[*earlier, current],
        previous=history.previous if history else None,
        changes=_changes(report, history) if history and history.previous else {},
        with_history=history is not None,
    )
    today = date.fromisoformat(report.generated_at[:10])
    by_name = {repo.full_name: repo for repo in report.repos}
    for campaign in config.campaigns:
        series = [
            Standing(point.generated_at, point.campaign_passing.get(campaign.slug, 0), point.repos)
            for point in earlier
        ]
        failing = tuple(
            Failing(row.full_name, by_name[row.full_name].url, by_name[row.full_name].owner, missing)
            for row in rows
            if (missing := lacks(campaign.goal, row.results, row.version))
        )
        now = Standing(report.generated_at, len(rows) - len(failing), len(rows))
        since = [point for point in series if point.generated_at[:10] >= campaign.start.isoformat()]
        scorecard.campaigns.append(
            CampaignProgress(campaign, now, baseline(campaign, series), (*since, now), failing, today)
        )
    return scorecard


def _changes(report: FleetReport, history: History) -> dict[str, RepoChanges]:
    found = {}
    for repo in report.repos:
        before = history.previous_results.get(repo.full_name)
        if before is None:
            found[repo.full_name] = RepoChanges((), (), new=True)
            continue
        now = repo.results()
        passing = tuple(key for key, result in now.items() if result == "pass" and before.get(key) == "fail")
        failing = tuple(key for key, result in now.items() if result == "fail" and before.get(key) == "pass")
        found[repo.full_name] = RepoChanges(passing, failing)
    return found
