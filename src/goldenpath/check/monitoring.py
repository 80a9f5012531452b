"""check-repo's monitoring rules: the monitor, the drift alert and every job's notifications.

A repository with the example pipeline must keep its Lakehouse monitor on the
table its code writes, with the columns the code writes, its drift alert on the
monitor's drift metrics, and every job must tell the owning team about failed and
overlong runs. The expected values are the ones the template renders
(`naming.DerivedNames`, `naming.MONITOR_COLUMNS`, the team's alerts in the settings),
so a removed resource, or one pointing at another table or team, is reported as
`file:line: rule: message`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goldenpath.bundle import DURATION_METRIC, JOB_EVENTS, YamlFile
from goldenpath.check.findings import Finding, finding_at
from goldenpath.naming import MONITOR_COLUMNS, DerivedNames
from goldenpath.settings import SERVING_KIND, Settings
from goldenpath.settings_monitoring import TeamAlerts

# Where the template puts the schema of every table: the target's catalog and the project's schema.
SCHEMA = "${var.catalog}.${var.schema}"


def monitoring_adopted(docs: Sequence[YamlFile], writes_predictions: bool) -> bool:
    """Does the repository carry the template's monitoring, so that its rules apply?

    A repository rendered before the template monitored anything has no predictions
    module and jobs without notifications: the central test workflow (on the release
    line) must not fail it until a template update brings monitoring. Once either part
    is there, removing the rest is what the rules report.
    """
    return writes_predictions or any(
        any(job and (job.get("health") or job.get(f"{kind}_notifications")) for kind in ("email", "webhook"))
        for doc in docs
        for job in (doc.get("resources", "jobs") or {}).values()
    )


def check_monitoring(
    docs: Sequence[YamlFile], answers: YamlFile | None, names: DerivedNames, settings: Settings
) -> list[Finding]:
    """Every monitoring rule the bundle files `docs` break (see `monitoring_adopted`)."""
    serving = answers is not None and answers.get("project_kind") == SERVING_KIND
    team = _team(docs, answers)
    alerts = settings.team_alerts.get(team) if team else None
    findings: list[Finding] = []
    monitors = alert_count = 0
    for doc in docs:
        for key, monitor in (doc.get("resources", "quality_monitors") or {}).items():
            monitors += 1
            findings += _check_monitor(doc, key, monitor or {}, names, serving, alerts)
        for key, alert in (doc.get("resources", "alerts") or {}).items():
            alert_count += 1
            findings += _check_alert(doc, key, alert or {}, names, serving, alerts)
        for key, job in (doc.get("resources", "jobs") or {}).items():
            findings += _check_job(doc, key, job or {}, alerts)
    if answers is not None and answers.get("include_example") is not False:
        where = ("include_example",)
        if not monitors:
            findings.append(
                finding_at(
                    answers,
                    where,
                    "monitor-missing",
                    "the example pipeline writes predictions but no bundle file declares "
                    f"resources.quality_monitors; expected one on {names.monitored_table(serving)!r} "
                    "in resources/monitoring.yml",
                )
            )
        if not alert_count:
            findings.append(
                finding_at(
                    answers,
                    where,
                    "alert-missing",
                    "no bundle file declares resources.alerts; expected the drift alert "
                    f"{names.drift_alert_name!r} in resources/monitoring.yml",
                )
            )
    return findings


def _team(docs: Sequence[YamlFile], answers: YamlFile | None) -> str | None:
    """The owning team: the answers file's, else the jobs' team tag."""
    if answers is not None and answers.get("team"):
        return str(answers.get("team"))
    for doc in docs:
        for job in (doc.get("resources", "jobs") or {}).values():
            team = ((job or {}).get("tags") or {}).get("team")
            if team:
                return str(team)
    return None


def _check_monitor(
    doc: YamlFile,
    key: str,
    monitor: dict[str, Any],
    names: DerivedNames,
    serving: bool,
    alerts: TeamAlerts | None,
) -> list[Finding]:
    keys = ("resources", "quality_monitors", key)
    findings: list[Finding] = []
    expected = {
        "table_name": f"{SCHEMA}.{names.monitored_table(serving)}",
        "baseline_table_name": f"{SCHEMA}.{names.baseline_table}",
        "output_schema_name": SCHEMA,
    }
    for field, wanted in expected.items():
        if monitor.get(field) != wanted:
            findings.append(
                finding_at(
                    doc,
                    (*keys, field),
                    "monitor-table",
                    f"monitor {key!r} {field} is {monitor.get(field)!r}, expected {wanted!r}",
                )
            )
    profile = monitor.get("inference_log") or {}
    columns = {
        "prediction_col": MONITOR_COLUMNS.prediction,
        "model_id_col": MONITOR_COLUMNS.model_version,
        "timestamp_col": MONITOR_COLUMNS.timestamp,
        "label_col": MONITOR_COLUMNS.label,
    }
    for field, column in columns.items():
        if profile.get(field) != column:
            findings.append(
                finding_at(
                    doc,
                    (*keys, "inference_log", field),
                    "monitor-columns",
                    f"monitor {key!r} inference_log.{field} is {profile.get(field)!r}, but the code "
                    f"writes {column!r}",
                )
            )
    if alerts and alerts.emails:
        notified = ((monitor.get("notifications") or {}).get("on_failure") or {}).get("email_addresses")
        missing = sorted(set(alerts.emails) - set(notified or []))
        if missing:
            findings.append(
                finding_at(
                    doc,
                    (*keys, "notifications"),
                    "monitor-notifications",
                    f"monitor {key!r} does not email the team on failure: missing {missing} "
                    "(notifications.on_failure.email_addresses)",
                )
            )
    return findings


def _check_alert(
    doc: YamlFile,
    key: str,
    alert: dict[str, Any],
    names: DerivedNames,
    serving: bool,
    alerts: TeamAlerts | None,
) -> list[Finding]:
    keys = ("resources", "alerts", key)
    findings: list[Finding] = []
    table = f"{SCHEMA}.{names.drift_metrics_table(serving)}"
    if table not in str(alert.get("query_text") or ""):
        findings.append(
            finding_at(
                doc,
                (*keys, "query_text"),
                "alert-table",
                f"alert {key!r} does not query the monitor's drift metrics {table!r}",
            )
        )
    if alerts is not None:
        subscriptions = ((alert.get("evaluation") or {}).get("notification") or {}).get("subscriptions")
        found = [s for s in subscriptions or [] if isinstance(s, dict)]
        destinations = {str(s.get("destination_id")) for s in found}
        emails = {str(s.get("user_email")) for s in found}
        missing = sorted(set(alerts.destinations) - destinations) + sorted(set(alerts.emails) - emails)
        if missing:
            findings.append(
                finding_at(
                    doc,
                    (*keys, "evaluation"),
                    "alert-notifications",
                    f"alert {key!r} does not notify the team's {missing} "
                    "(evaluation.notification.subscriptions)",
                )
            )
    return findings


def _check_job(doc: YamlFile, key: str, job: dict[str, Any], alerts: TeamAlerts | None) -> list[Finding]:
    """Every job tells the team about a failed run and one that runs too long."""
    keys = ("resources", "jobs", key)
    problems = []
    rules = (job.get("health") or {}).get("rules") or []
    if not any(isinstance(rule, dict) and rule.get("metric") == DURATION_METRIC for rule in rules):
        problems.append(f"no health rule on {DURATION_METRIC}")
    if alerts is not None:
        emails = job.get("email_notifications") or {}
        webhooks = job.get("webhook_notifications") or {}
        for event in JOB_EVENTS:
            missing = sorted(set(alerts.emails) - set(emails.get(event) or []))
            if missing:
                problems.append(f"email_notifications.{event} lacks {missing}")
            ids = {str(hook.get("id")) for hook in webhooks.get(event) or [] if isinstance(hook, dict)}
            missing = sorted(set(alerts.destinations) - ids)
            if missing:
                problems.append(f"webhook_notifications.{event} lacks {missing}")
    return [
        finding_at(doc, keys, "job-notifications", f"job {key!r} does not alert its team: {problem}")
        for problem in problems
    ]
