"""The scorecard: trends since earlier reports, campaigns with progress, owners and issue bodies, and
the `fleet:` settings that define levels and campaigns.

Three real scans of one fake fleet, a second apart, with pushes between them
(`fleet_support.scorecard`): a lock file added to one repo, then to another
while a third loses its own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import fleet_support
from fleet_support import ORG, Scorecard, assert_valid, by_name
from goldenpath.fleet.config import fleet_config, parse_fleet_config
from goldenpath.settings import SettingsError, load_settings
from rendering import REPO_ROOT

template_base = fleet_support.template_base
scorecard = fleet_support.scorecard
LOCK = "20"  # environment as code: poetry.lock is committed


def test_every_report_validates(scorecard: Scorecard) -> None:
    assert_valid(*sorted((scorecard.out / "history").glob("*.json")), scorecard.out / "fleet.json")


def test_trends_count_flips_between_pass_and_fail_since_the_previous_report(scorecard: Scorecard) -> None:
    first, second, third = scorecard.reports
    trends = third["trends"]
    assert trends["previous"] == second["generated_at"]
    assert [point["generated_at"] for point in trends["points"]] == [
        r["generated_at"] for r in scorecard.reports
    ]
    assert [point["statement_pass_counts"][LOCK] for point in trends["points"]] == [
        r["summary"]["statement_pass_counts"][LOCK] for r in scorecard.reports
    ]
    assert trends["newly_passing"] == {LOCK: 1} and trends["newly_failing"] == {LOCK: 1}
    repos = by_name(third)
    fleet = scorecard.fleet
    assert repos[fleet.kinds["behind"][1]]["changes"] == {
        "newly_passing": [LOCK],
        "newly_failing": [],
        "new": False,
    }
    assert repos[fleet.first("compliant")]["changes"]["newly_failing"] == [LOCK]
    assert (
        repos[fleet.kinds["behind"][0]]["changes"]["newly_passing"] == []
    )  # it flipped before the previous report
    broken = repos["broken-0"]["changes"]  # unknown on both sides: no change
    assert broken == {"newly_passing": [], "newly_failing": [], "new": False}
    assert first["trends"] is None  # no --history: no trend at all


def test_campaign_progress_owners_and_issue_body(scorecard: Scorecard) -> None:
    first, _, third = scorecard.reports
    locks, versions = third["campaigns"]
    assert locks["name"] == "Lock files everywhere" and locks["slug"] == "lock-files-everywhere"
    assert locks["goal"] == {"statements": [LOCK], "template_at_least": None, "text": "statement(s) 20 pass"}
    passing = third["summary"]["statement_pass_counts"][LOCK]
    assert (locks["passing"], locks["total"]) == (passing, len(third["repos"]))
    # Every earlier report is after the start: the first one stands for it.
    assert locks["baseline"]["generated_at"] == first["generated_at"]
    assert locks["baseline"]["passing"] == first["summary"]["statement_pass_counts"][LOCK]
    assert [point["passing"] for point in locks["series"]][-1] == passing
    failing = {repo["full_name"].split("/")[1]: repo for repo in locks["failing"]}
    assert scorecard.fleet.first("compliant") in failing and scorecard.fleet.first("bare") in failing
    assert failing[scorecard.fleet.first("bare")]["owner"] == "ds-rtl"
    assert failing[scorecard.fleet.first("bare")]["lacks"] == ["20 environment as code (fail)"]
    assert failing["broken-0"]["lacks"] == ["20 environment as code (unknown)"]
    # Days count from the report's UTC day; a scan that crossed midnight is a day further on.
    elapsed = (date.fromisoformat(third["generated_at"][:10]) - scorecard.settings_day).days
    assert locks["days_left"] == 30 - elapsed
    assert versions["days_left"] == -1 - elapsed
    behind = next(
        repo for repo in versions["failing"] if repo["full_name"].endswith(scorecard.fleet.first("behind"))
    )
    assert behind["lacks"] == ["template at least v1.2.0 (on v1.0.0)"]
    issue = (scorecard.out / "issues" / "lock-files-everywhere.md").read_text(encoding="utf-8")
    assert issue == locks["issue_markdown"]
    assert issue.startswith("## Fleet campaign: Lock files everywhere\n")
    assert f"**Progress:** {passing} of {len(third['repos'])} repos" in issue
    assert f"| @{ORG}/ds-rtl | 20 environment as code (fail) |" in issue
    assert f"overdue by {1 + elapsed} day(s)" in (scorecard.out / "issues" / "everyone-on-v1-2.md").read_text(
        encoding="utf-8"
    )


def test_markdown_and_terminal_show_the_scorecard(scorecard: Scorecard) -> None:
    text = (scorecard.out / "fleet.md").read_text(encoding="utf-8")
    for heading in ("## Levels", "## Trends", "## Campaigns", "### Lock files everywhere"):
        assert heading in text
    assert "1 statement(s) newly pass, 1 newly fail" in text
    assert "campaign Lock files everywhere:" in scorecard.run.stdout
    assert "levels: " in scorecard.run.stdout


def test_history_skips_what_is_not_an_earlier_report(
    scorecard: Scorecard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "history"
    history.mkdir()
    (history / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    (history / "broken.json").write_text("{", encoding="utf-8")
    (history / "now.json").write_text(
        (scorecard.out / "fleet.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = tmp_path / "merged.json"
    run = fleet_support.run_fleet(
        scorecard.fake,
        ["fleet", "merge", str(scorecard.out / "fleet.json"), "--history", str(history), "--json", str(out)],
        monkeypatch,
    )
    assert run.code == 0, run.stderr
    assert "history: skipped notes.json: not a fleet report" in run.stderr
    assert "history: skipped broken.json: not readable JSON" in run.stderr
    trends = fleet_support.read_json(out)["trends"]
    assert (
        trends["previous"] is None and len(trends["points"]) == 1
    )  # the same report is not earlier than itself


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"levels": [{"name": "Bronze", "statements": [61]}]},
            "fleet.levels[0].statements must be a non-empty list",
        ),
        (
            {"levels": [{"name": "A", "statements": [10]}, {"name": "A", "statements": [11]}]},
            "names must differ",
        ),
        (
            {
                "campaigns": [
                    {
                        "name": "x",
                        "goal": {"template_at_least": "v1.2"},
                        "start": "2026-01-01",
                        "due": "2026-02-01",
                    }
                ]
            },
            "must be a release such as v1.2.0",
        ),
        (
            {
                "campaigns": [
                    {"name": "x", "goal": {"statements": [20]}, "start": "2026-03-01", "due": "2026-02-01"}
                ]
            },
            "is before the start",
        ),
        (
            {"campaigns": [{"name": "x", "goal": {}, "start": "2026-01-01", "due": "2026-02-01"}]},
            "goal must be",
        ),
        ({"shard_size": 0}, "fleet.shard_size must be a whole number of at least 1"),
        ({"levls": []}, "has unknown keys ['levls']"),
    ],
)
def test_fleet_settings_errors_name_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_fleet_config(section)


def test_fleet_settings_defaults_and_dates() -> None:
    config = parse_fleet_config(
        {
            "campaigns": [
                {
                    "name": "Locks",
                    "goal": {"statements": [20, 20]},
                    "start": date(2026, 1, 5),
                    "due": "2026-03-31",
                }
            ]
        }
    )
    assert [level.name for level in config.levels] == ["Bronze", "Silver", "Gold"]
    assert config.campaigns[0].goal.numbers == (20,) and config.campaigns[0].due == date(2026, 3, 31)
    assert config.shard_size == 1000


def test_the_shipped_fleet_section_is_the_default() -> None:
    """goldenpath.yml spells out the defaults a fork without the section gets: one meaning, two places in sync."""
    assert fleet_config(load_settings(REPO_ROOT / "goldenpath.yml")) == parse_fleet_config(None)
