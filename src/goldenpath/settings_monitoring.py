"""The monitoring part of the settings: where each team's alerts go and what every monitor starts with.

`settings.parse_settings` calls these with its reader, so errors read like every
other settings error (file, dotted key, what is expected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Time windows a Lakehouse monitor may aggregate an inference log by (its `granularities`).
MONITOR_GRANULARITIES = (
    "5 minutes",
    "30 minutes",
    "1 hour",
    "1 day",
    "1 week",
    "2 weeks",
    "3 weeks",
    "4 weeks",
    "1 month",
    "1 year",
)
# Numeric columns of a monitor's drift-metrics table that an alert can compare with a threshold.
DRIFT_METRICS = (
    "js_distance",
    "wasserstein_distance",
    "population_stability_index",
    "tv_distance",
    "l_infinity_distance",
)
# Databricks limits: a job event notifies at most 3 destinations, a monitor at most 5 emails.
MAX_ALERT_DESTINATIONS = 3
MAX_ALERT_EMAILS = 5
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
WAREHOUSE_ID = re.compile(r"[0-9a-f]{8,32}")
# Quartz cron, as Databricks schedules take it: seconds minutes hours day-of-month month day-of-week [year].
QUARTZ_FIELDS = (6, 7)


class Reader(Protocol):
    """What the settings reader offers: dotted-key access that names the file and key on errors."""

    def fail(self, key: str, problem: str) -> NoReturn: ...
    def has(self, key: str) -> bool: ...
    def value(self, key: str) -> Any: ...
    def text(self, key: str) -> str: ...
    def sequence(self, key: str) -> list[Any]: ...
    def whole_number(self, key: str, low: int, high: int | None, expected: str) -> int: ...


@dataclass(frozen=True)
class TeamAlerts:
    """Where a team's alerts go: workspace notification destinations (Slack, PagerDuty, ...) and emails."""

    destinations: tuple[str, ...]
    emails: tuple[str, ...]


@dataclass(frozen=True)
class MonitoringDefaults:
    """What every generated monitor, drift alert and job health rule starts with."""

    schedule: str  # Quartz cron of monitor refreshes and the scheduled monitoring job
    timezone: str
    granularities: tuple[str, ...]
    drift_metric: str  # a column of the drift-metrics table, e.g. js_distance
    drift_threshold: float  # drift above this alerts (and retrains, where a target enables it)
    max_run_minutes: int  # a job run longer than this warns the team (RUN_DURATION_SECONDS health rule)


def parse_team_alerts(reader: Reader, team: str) -> TeamAlerts:
    """Every team owns repos, so each says where its monitors, alerts and failed jobs notify."""
    key = f"teams.{team}.alerts"
    spec = reader.value(key)
    if not isinstance(spec, dict):
        reader.fail(key, "must be a mapping with destinations and/or emails")
    destinations = _strings(reader, f"{key}.destinations", UUID, "a notification destination id (a UUID)")
    emails = _strings(reader, f"{key}.emails", EMAIL, "an email address")
    if not destinations and not emails:
        reader.fail(key, "needs at least one notification destination id or email")
    if len(destinations) > MAX_ALERT_DESTINATIONS:
        reader.fail(
            f"{key}.destinations",
            f"lists {len(destinations)}; Databricks notifies at most {MAX_ALERT_DESTINATIONS}",
        )
    if len(emails) > MAX_ALERT_EMAILS:
        reader.fail(f"{key}.emails", f"lists {len(emails)}; a monitor notifies at most {MAX_ALERT_EMAILS}")
    return TeamAlerts(destinations=tuple(destinations), emails=tuple(emails))


def _strings(reader: Reader, key: str, pattern: re.Pattern[str], what: str) -> list[str]:
    """An optional list whose every entry matches `pattern`."""
    if not reader.has(key):
        return []
    values = reader.value(key)
    if not isinstance(values, list):
        reader.fail(key, f"must be a list, got {values!r}")
    for value in values:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            reader.fail(key, f"entry {value!r} is not {what}")
    return [str(value) for value in values]


def parse_monitoring(reader: Reader) -> MonitoringDefaults:
    schedule = reader.text("monitoring.schedule")
    if len(schedule.split()) not in QUARTZ_FIELDS:
        reader.fail(
            "monitoring.schedule",
            f"must be a Quartz cron expression of 6 or 7 fields, e.g. '0 0 6 * * ?', got {schedule!r}",
        )
    timezone = reader.text("monitoring.timezone")
    try:
        ZoneInfo(timezone)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        reader.fail("monitoring.timezone", f"must be an IANA time zone such as 'UTC', got {timezone!r}")
    granularities = [str(g) for g in reader.sequence("monitoring.granularities")]
    unknown = [g for g in granularities if g not in MONITOR_GRANULARITIES]
    if unknown:
        reader.fail("monitoring.granularities", f"has {unknown}; allowed: {list(MONITOR_GRANULARITIES)}")
    drift_metric = reader.text("monitoring.drift_metric")
    if drift_metric not in DRIFT_METRICS:
        reader.fail(
            "monitoring.drift_metric", f"must be one of {', '.join(DRIFT_METRICS)}, got {drift_metric!r}"
        )
    threshold = reader.value("monitoring.drift_threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        reader.fail("monitoring.drift_threshold", f"must be a number above 0, got {threshold!r}")
    return MonitoringDefaults(
        schedule=schedule,
        timezone=timezone,
        granularities=tuple(granularities),
        drift_metric=drift_metric,
        drift_threshold=float(threshold),
        max_run_minutes=reader.whole_number(
            "monitoring.max_run_minutes", 1, None, "a whole number of minutes >= 1"
        ),
    )


def parse_warehouse_id(reader: Reader, env: str) -> str:
    key = f"environments.{env}.warehouse_id"
    value = reader.value(key)
    if not isinstance(value, str) or not WAREHOUSE_ID.fullmatch(value):
        reader.fail(
            key,
            f"must be a SQL warehouse id in quotes (hex digits, from its Connection details), got {value!r}",
        )
    return value
