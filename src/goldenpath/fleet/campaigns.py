"""Campaigns: a goal with a start and a due date, its progress, the repos still short of it, and an issue body.

A repo meets a goal when every goal statement passes and, for a template
goal, its template release is at or past the one asked. Progress since the
start compares with the last earlier report from on or before the start day
(else the first one after it); without such a report there is no baseline,
and the outputs say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from goldenpath.fleet.config import Campaign, Goal, statement_ids
from goldenpath.fleet.model import Owner
from goldenpath.fleet.statements import STATEMENTS
from goldenpath.refs import ReleaseTag

_TITLES = {statement.info.id: statement.info.title for statement in STATEMENTS}


@dataclass(frozen=True)
class Standing:
    """A campaign's count at one report."""

    generated_at: str
    passing: int
    total: int


@dataclass(frozen=True)
class Failing:
    full_name: str
    url: str
    owner: Owner | None
    lacks: tuple[str, ...]


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    now: Standing
    baseline: Standing | None  # the report that stands for the start, if there is one
    series: tuple[Standing, ...]  # earlier reports since the start, then this one
    failing: tuple[Failing, ...]
    today: date

    @property
    def days_left(self) -> int:
        return (self.campaign.due - self.today).days

    def due_text(self) -> str:
        days = self.days_left
        if days < 0:
            return f"overdue by {-days} day(s) (due {self.campaign.due})"
        return f"due {self.campaign.due}, in {days} day(s)"

    def since_start_text(self) -> str:
        if self.baseline is None:
            return "no earlier report from its start: progress since the start is not known yet"
        gained = self.now.passing - self.baseline.passing
        return f"{gained:+d} since {self.baseline.generated_at[:10]} ({self.baseline.passing} of {self.baseline.total})"

    def to_json(self, org: str) -> dict[str, Any]:
        campaign = self.campaign
        return {
            "name": campaign.name,
            "slug": campaign.slug,
            "goal": {
                "statements": [
                    s or str(n)
                    for n, s in zip(campaign.goal.numbers, statement_ids(campaign.goal.numbers), strict=True)
                ],
                "template_at_least": campaign.goal.template_at_least,
                "text": campaign.goal.describe(),
            },
            "start": campaign.start.isoformat(),
            "due": campaign.due.isoformat(),
            "days_left": self.days_left,
            "passing": self.now.passing,
            "total": self.now.total,
            "baseline": _standing_json(self.baseline),
            "series": [_standing_json(point) for point in self.series],
            "failing": [
                {
                    "full_name": repo.full_name,
                    "url": repo.url,
                    "owner": repo.owner.name if repo.owner else None,
                    "lacks": list(repo.lacks),
                }
                for repo in self.failing
            ],
            "issue_markdown": issue_markdown(self, org),
        }


def lacks(goal: Goal, results: dict[str, str], version: str | None) -> tuple[str, ...]:
    """What a repo still lacks for `goal`; empty when it meets it."""
    missing = []
    for number, statement in zip(goal.numbers, statement_ids(goal.numbers), strict=True):
        if statement is None:
            missing.append(f"{number} (not checked by the scan)")
        elif results.get(statement) != "pass":
            missing.append(f"{statement} {_TITLES[statement]} ({results.get(statement, 'unknown')})")
    if goal.template_at_least:
        release = ReleaseTag.of_commit(version) if version else None
        if release is None:
            missing.append(f"template at least {goal.template_at_least} (version unknown)")
        elif release < ReleaseTag.parse(goal.template_at_least):
            missing.append(f"template at least {goal.template_at_least} (on {release.name})")
    return tuple(dict.fromkeys(missing))


def baseline(campaign: Campaign, earlier: list[Standing]) -> Standing | None:
    """The last report from on or before the start day, else the first after it (oldest first input)."""
    start = campaign.start.isoformat()
    before = [point for point in earlier if point.generated_at[:10] <= start]
    if before:
        return before[-1]
    return earlier[0] if earlier else None


def issue_markdown(progress: CampaignProgress, org: str) -> str:
    """The body the workflow can post as (or edit into) the campaign's issue."""
    campaign = progress.campaign
    share = round(100 * progress.now.passing / progress.now.total) if progress.now.total else 0
    lines = [
        f"## Fleet campaign: {campaign.name}",
        "",
        f"**Goal:** {campaign.goal.describe()}. **Started** {campaign.start}; **{progress.due_text()}**.",
        "",
        f"**Progress:** {progress.now.passing} of {progress.now.total} repos ({share} %); "
        f"{progress.since_start_text()}.",
        "",
    ]
    if not progress.failing:
        return "\n".join([*lines, "Every repo meets the goal."]) + "\n"
    lines += ["| repo | owner | still lacks |", "|---|---|---|"]
    for repo in sorted(progress.failing, key=lambda r: ((r.owner.name if r.owner else "~"), r.full_name)):
        lines.append(
            f"| [{repo.full_name}]({repo.url}) | {_mention(repo.owner, org)} | {'; '.join(repo.lacks)} |"
        )
    lines += ["", f"Generated by `goldenpath fleet` at {progress.now.generated_at}."]
    return "\n".join(lines) + "\n"


def _mention(owner: Owner | None, org: str) -> str:
    if owner is None:
        return "unknown"
    return f"@{org}/{owner.name}" if owner.kind == "team" else owner.name


def _standing_json(point: Standing | None) -> dict[str, Any] | None:
    return (
        None
        if point is None
        else {"generated_at": point.generated_at, "passing": point.passing, "total": point.total}
    )
