"""The fleet's own settings: the `fleet:` section of `goldenpath.yml`.

Levels turn the statements into a path (each level is the one before plus its
own statements); campaigns are time-boxed goals with progress; `shard_size`
tells the fleet-report workflow when to split the scan across a matrix. The
section is optional: without it the defaults below apply. Statements are
named by their assessment numbers (`11` means the automated statement
`11/18/30/34`); a number no automated statement covers is allowed and can
never pass, so a level that asks for it is unreachable until the scan checks
it, and every output says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

import yaml

from goldenpath.fleet.statements import ASSESSMENT_SIZE, STATEMENTS
from goldenpath.refs import ReleaseTag
from goldenpath.settings import Settings, SettingsError

DEFAULT_SHARD_SIZE = 1000
MAX_SHARDS = 256  # GitHub Actions runs at most 256 jobs of one matrix
DEFAULT_LEVELS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Bronze", (10, 29, 11)),  # code in VCS, CI on pull requests, reviewed pull requests
    ("Silver", (12, 14, 22, 32)),  # CD, environments, traceability, tests with a coverage gate
    ("Gold", (39, 40, 41, 42, 43, 45)),  # cost tracking and monitoring
)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Level:
    name: str
    numbers: tuple[int, ...]  # this level's own statement numbers (the levels below are implied)


@dataclass(frozen=True)
class Goal:
    """What a campaign asks: statements to pass, or a template release to be at or past."""

    numbers: tuple[int, ...] = ()
    template_at_least: str | None = None

    def describe(self) -> str:
        parts = [f"statement(s) {', '.join(map(str, self.numbers))} pass"] if self.numbers else []
        parts += [f"template at least {self.template_at_least}"] if self.template_at_least else []
        return " and ".join(parts)


@dataclass(frozen=True)
class Campaign:
    name: str
    goal: Goal
    start: date
    due: date

    @property
    def slug(self) -> str:
        return _SLUG.sub("-", self.name.lower()).strip("-") or "campaign"


@dataclass(frozen=True)
class FleetConfig:
    levels: tuple[Level, ...]
    campaigns: tuple[Campaign, ...] = ()
    shard_size: int = DEFAULT_SHARD_SIZE


def statement_ids(numbers: tuple[int, ...]) -> tuple[str | None, ...]:
    """The automated statement id covering each number, or None where the scan does not check it."""
    by_number = {number: s.info.id for s in STATEMENTS for number in s.info.numbers}
    return tuple(by_number.get(number) for number in numbers)


def fleet_config(settings: Settings) -> FleetConfig:
    """The `fleet:` section of the settings file the command loaded (defaults when absent)."""
    try:
        raw = yaml.safe_load(settings.source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"cannot read {settings.source}: {exc}") from exc
    section = raw.get("fleet") if isinstance(raw, dict) else None
    return parse_fleet_config(section, str(settings.source))


def parse_fleet_config(section: Any, source: str = "goldenpath.yml") -> FleetConfig:
    if section is None:
        return FleetConfig(tuple(Level(name, numbers) for name, numbers in DEFAULT_LEVELS))
    if not isinstance(section, dict):
        _fail(source, "fleet", "must be a mapping (levels, campaigns, shard_size)")
    unknown = sorted(set(section) - {"levels", "campaigns", "shard_size"})
    if unknown:
        _fail(source, "fleet", f"has unknown keys {unknown}; known: campaigns, levels, shard_size")
    shard_size = section.get("shard_size", DEFAULT_SHARD_SIZE)
    if not isinstance(shard_size, int) or isinstance(shard_size, bool) or shard_size < 1:
        _fail(source, "fleet.shard_size", f"must be a whole number of at least 1, got {shard_size!r}")
    levels = (
        tuple(
            _level(source, index, item)
            for index, item in enumerate(_list(source, "fleet.levels", section["levels"]))
        )
        if "levels" in section
        else tuple(Level(name, numbers) for name, numbers in DEFAULT_LEVELS)
    )
    names = [level.name for level in levels]
    if len(set(names)) != len(names):
        _fail(source, "fleet.levels", f"names must differ, got {names}")
    campaigns = tuple(
        _campaign(source, index, item)
        for index, item in enumerate(_list(source, "fleet.campaigns", section.get("campaigns") or []))
    )
    slugs = [campaign.slug for campaign in campaigns]
    if len(set(slugs)) != len(slugs):
        _fail(source, "fleet.campaigns", f"names must differ, got {[c.name for c in campaigns]}")
    return FleetConfig(levels, campaigns, shard_size)


def _level(source: str, index: int, item: Any) -> Level:
    key = f"fleet.levels[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        _fail(
            source,
            key,
            "must be a mapping with a name and statements, e.g. {name: Bronze, statements: [10, 29]}",
        )
    return Level(item["name"].strip(), _numbers(source, f"{key}.statements", item.get("statements")))


def _campaign(source: str, index: int, item: Any) -> Campaign:
    key = f"fleet.campaigns[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        _fail(source, key, "must be a mapping with name, goal, start and due")
    goal = item.get("goal")
    if not isinstance(goal, dict) or not goal or set(goal) - {"statements", "template_at_least"}:
        _fail(source, f"{key}.goal", "must be {statements: [numbers]} and/or {template_at_least: vX.Y.Z}")
    numbers = _numbers(source, f"{key}.goal.statements", goal["statements"]) if "statements" in goal else ()
    least = goal.get("template_at_least")
    if least is not None:
        release = ReleaseTag.parse_or_none(str(least))
        if release is None or release.is_prerelease:
            _fail(source, f"{key}.goal.template_at_least", f"must be a release such as v1.2.0, got {least!r}")
        least = release.name
    start, due = (
        _date(source, f"{key}.start", item.get("start")),
        _date(source, f"{key}.due", item.get("due")),
    )
    if due < start:
        _fail(source, f"{key}.due", f"{due} is before the start {start}")
    return Campaign(item["name"].strip(), Goal(numbers, least), start, due)


def _numbers(source: str, key: str, value: Any) -> tuple[int, ...]:
    numbers = _list(source, key, value)
    if not numbers or not all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= ASSESSMENT_SIZE for n in numbers
    ):
        _fail(
            source, key, f"must be a non-empty list of statement numbers 1-{ASSESSMENT_SIZE}, got {value!r}"
        )
    return tuple(dict.fromkeys(int(n) for n in numbers))


def _date(source: str, key: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        _fail(source, key, f"must be a date such as 2026-03-31, got {value!r}")


def _list(source: str, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        _fail(source, key, f"must be a list, got {value!r}")
    return value


def _fail(source: str, key: str, problem: str) -> NoReturn:
    raise SettingsError(f"{source}: {key} {problem}")
