"""After a deploy: prove the target's monitoring is in the workspace as goldenpath names it.

Each check runs for what the bundle declares (a repo without the example has
no monitor or alert; `goldenpath check-repo` refuses one that dropped them):

- `monitor`: a quality monitor on the monitored table (predictions, or the
  unpacked inference table of a serving repo);
- `monitor-profile`: its inference-log profile reads the columns goldenpath
  names, with the settings' granularities, the baseline table, the project's
  output schema, the settings' schedule and the team's emails on failure;
- `alert`: the drift alert, on the environment's warehouse, reading the
  drift-metrics table and firing above the settings' threshold;
- `alert-destinations`: it notifies the team's destinations and emails;
- `notifications`: every job of the bundle notifies the team on failure and
  on a run longer than `monitoring.max_run_minutes`, by a RUN_DURATION_SECONDS
  health rule.
"""

from __future__ import annotations

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.catalog import MonitorInfo, MonitorInfoStatus
from databricks.sdk.service.jobs import (
    JobEmailNotifications,
    JobSettings,
    JobsHealthMetric,
    WebhookNotifications,
)
from databricks.sdk.service.sql import AlertV2, ComparisonOperator

from goldenpath.databricks.bundle import BundleTarget, target_resources
from goldenpath.databricks.deployed import deployed_name, find_jobs
from goldenpath.databricks.findings import Finding, Report
from goldenpath.databricks.monitoring import MonitoringTarget
from goldenpath.naming import ALERT_KEY, MONITOR_KEY

REDEPLOY = "keep resources/*.yml as generated (goldenpath check-repo) and redeploy"
FAILING = (MonitorInfoStatus.MONITOR_STATUS_ERROR, MonitorInfoStatus.MONITOR_STATUS_FAILED)


def verify_monitoring(
    client: WorkspaceClient, bundle: BundleTarget, monitoring: MonitoringTarget, report: Report
) -> None:
    """Add the monitoring checks and facts to `report`, for the monitor, alert and jobs the bundle declares."""
    if MONITOR_KEY in target_resources(bundle.root, bundle.target, "quality_monitors"):
        monitor = find_monitor(client, monitoring.monitored_table)
        report.add(check_monitor(monitoring, bundle.target, monitor))
        if monitor is not None:
            report.facts["monitor"] = {"table": monitor.table_name, "status": _value(monitor.status)}
            report.add(check_monitor_profile(monitoring, monitor))
    if ALERT_KEY in target_resources(bundle.root, bundle.target, "alerts"):
        alert_name = deployed_name(client, bundle, monitoring.names.drift_alert_name)
        alert = find_alert(client, alert_name)
        report.add(check_alert(monitoring, bundle.target, alert_name, alert))
        if alert is not None:
            report.facts["alert"] = {"id": alert.id, "name": alert.display_name}
            report.add(check_alert_destinations(monitoring, alert))
    declared = target_resources(bundle.root, bundle.target, "jobs")
    jobs = {
        key: deployed_name(client, bundle, monitoring.names.job_names.get(key) or str(job.get("name", key)))
        for key, job in declared.items()
    }
    report.add(check_notifications(client, monitoring, jobs))


def _value(enum: object) -> str | None:
    return str(getattr(enum, "value", enum)) if enum is not None else None


def find_monitor(client: WorkspaceClient, table: str) -> MonitorInfo | None:
    try:
        return client.quality_monitors.get(table)
    except NotFound:
        return None


def find_alert(client: WorkspaceClient, name: str) -> AlertV2 | None:
    """The drift alert by its display name (the newest, should a redeploy have left two)."""
    found = [alert for alert in client.alerts_v2.list_alerts() if alert.display_name == name]
    return found[-1] if found else None


def check_monitor(monitoring: MonitoringTarget, target: str, monitor: MonitorInfo | None) -> Finding:
    table = monitoring.monitored_table
    if monitor is None:
        return Finding(
            "monitor",
            False,
            f"no quality monitor on {table}: the predictions the team's alerts watch are not monitored",
            f"deploy the bundle's quality_monitors resource (databricks bundle deploy -t {target}); {REDEPLOY}",
        )
    if monitor.status in FAILING:
        return Finding(
            "monitor",
            False,
            f"the monitor on {table} is {_value(monitor.status)}: {monitor.latest_monitor_failure_msg or 'no message'}",
            "fix what the message names (often the table's or output schema's grants) and redeploy",
        )
    return Finding("monitor", True, f"quality monitor on {table} ({_value(monitor.status)})")


def check_monitor_profile(monitoring: MonitoringTarget, monitor: MonitorInfo) -> Finding:
    columns = monitoring.columns
    profile = monitor.inference_log
    if profile is None:
        return Finding(
            "monitor-profile",
            False,
            f"the monitor on {monitoring.monitored_table} has no inference_log profile",
            REDEPLOY,
        )
    expected = {
        "inference_log.prediction_col": (profile.prediction_col, columns.prediction),
        "inference_log.model_id_col": (profile.model_id_col, columns.model_version),
        "inference_log.timestamp_col": (profile.timestamp_col, columns.timestamp),
        "inference_log.label_col": (profile.label_col, columns.label),
        "inference_log.granularities": (
            list(profile.granularities or []),
            list(monitoring.defaults.granularities),
        ),
        "baseline_table_name": (monitor.baseline_table_name, monitoring.baseline_table),
        "output_schema_name": (monitor.output_schema_name, monitoring.output_schema),
        # Development mode deploys a monitor without its schedule, as it pauses jobs.
        "schedule": (
            monitor.schedule.quartz_cron_expression if monitor.schedule else None,
            None if monitoring.development else monitoring.defaults.schedule,
        ),
    }
    wrong = [
        f"{field}={actual!r} (expected {want!r})"
        for field, (actual, want) in expected.items()
        if actual != want
    ]
    notified = set(
        (monitor.notifications.on_failure.email_addresses or [])
        if monitor.notifications and monitor.notifications.on_failure
        else []
    )
    missing = [email for email in monitoring.alerts.emails if email not in notified]
    if missing:
        wrong.append(f"notifications.on_failure lacks {', '.join(missing)} (team {monitoring.team})")
    if wrong:
        return Finding(
            "monitor-profile",
            False,
            f"the monitor on {monitoring.monitored_table} differs: " + "; ".join(wrong),
            REDEPLOY,
        )
    return Finding(
        "monitor-profile",
        True,
        f"inference log of {columns.prediction} by {columns.model_version} at {columns.timestamp} against "
        f"{monitoring.baseline_table}, metrics in {monitoring.output_schema}",
    )


def check_alert(monitoring: MonitoringTarget, target: str, name: str, alert: AlertV2 | None) -> Finding:
    if alert is None:
        return Finding(
            "alert",
            False,
            f"no SQL alert named {name!r}: drift above {monitoring.defaults.drift_threshold} would notify nobody",
            f"deploy the bundle's alerts resource (databricks bundle deploy -t {target}); {REDEPLOY}",
        )
    evaluation = alert.evaluation
    threshold = (
        evaluation.threshold.value.double_value
        if evaluation.threshold and evaluation.threshold.value
        else None
    )
    wrong = []
    if alert.warehouse_id != monitoring.warehouse_id:
        wrong.append(
            f"warehouse_id={alert.warehouse_id!r} (expected {monitoring.warehouse_id!r}, {monitoring.warehouse_setting})"
        )
    if monitoring.drift_metrics_table not in alert.query_text:
        wrong.append(f"its query does not read {monitoring.drift_metrics_table}")
    if monitoring.defaults.drift_metric not in alert.query_text:
        wrong.append(f"its query does not read {monitoring.defaults.drift_metric}")
    if (
        evaluation.comparison_operator != ComparisonOperator.GREATER_THAN
        or threshold != monitoring.defaults.drift_threshold
    ):
        wrong.append(
            f"it fires when {_value(evaluation.comparison_operator)} {threshold} "
            f"(expected GREATER_THAN {monitoring.defaults.drift_threshold}, monitoring.drift_threshold)"
        )
    if wrong:
        return Finding("alert", False, f"alert {name!r} differs: " + "; ".join(wrong), REDEPLOY)
    return Finding(
        "alert",
        True,
        f"alert {name!r} fires when {monitoring.defaults.drift_metric} > {monitoring.defaults.drift_threshold} "
        f"in {monitoring.drift_metrics_table}",
    )


def check_alert_destinations(monitoring: MonitoringTarget, alert: AlertV2) -> Finding:
    notification = alert.evaluation.notification
    subscriptions = (notification.subscriptions if notification else None) or []
    destinations = {s.destination_id for s in subscriptions if s.destination_id}
    emails = {s.user_email for s in subscriptions if s.user_email}
    missing = [d for d in monitoring.alerts.destinations if d not in destinations]
    missing += [e for e in monitoring.alerts.emails if e not in emails]
    if missing:
        return Finding(
            "alert-destinations",
            False,
            f"alert {alert.display_name!r} does not notify {', '.join(missing)} (team {monitoring.team})",
            f"keep the alert's subscriptions as generated from teams.{monitoring.team}.alerts in goldenpath.yml "
            "(goldenpath update brings them in line) and redeploy",
        )
    return Finding(
        "alert-destinations",
        True,
        f"alert notifies team {monitoring.team}: {', '.join(sorted(destinations | emails))}",
    )


def _job_problems(settings: JobSettings, monitoring: MonitoringTarget) -> list[str]:
    """What a job lacks: the team on failure and on a long run, and the run-duration rule."""
    problems = []
    emails = settings.email_notifications or JobEmailNotifications()
    hooks = settings.webhook_notifications or WebhookNotifications()
    events = {
        "on_failure": (emails.on_failure, hooks.on_failure),
        "on_duration_warning_threshold_exceeded": (
            emails.on_duration_warning_threshold_exceeded,
            hooks.on_duration_warning_threshold_exceeded,
        ),
    }
    for event, (addresses, webhooks) in events.items():
        notified = {*(addresses or []), *(hook.id for hook in webhooks or [] if hook.id)}
        missing = [
            d for d in (*monitoring.alerts.destinations, *monitoring.alerts.emails) if d not in notified
        ]
        if missing:
            problems.append(f"{event} does not notify {', '.join(missing)}")
    rules = (settings.health.rules if settings.health else None) or []
    if not any(
        rule.metric == JobsHealthMetric.RUN_DURATION_SECONDS and rule.value == monitoring.max_run_seconds
        for rule in rules
    ):
        problems.append(f"no health rule RUN_DURATION_SECONDS > {monitoring.max_run_seconds}")
    return problems


def check_notifications(
    client: WorkspaceClient, monitoring: MonitoringTarget, jobs: dict[str, str]
) -> Finding:
    """Every job of the bundle tells the team when it fails or runs too long."""
    problems = []
    for key, name in jobs.items():
        found = find_jobs(client, name)
        if not found:
            problems.append(f"job {name!r} ({key}) is not deployed")
            continue
        settings = client.jobs.get(found[0].job_id or 0).settings or JobSettings()
        problems += [f"job {name!r}: {problem}" for problem in _job_problems(settings, monitoring)]
    if problems:
        return Finding(
            "notifications",
            False,
            "; ".join(problems),
            f"keep every job's email_notifications, webhook_notifications and health as generated from "
            f"teams.{monitoring.team}.alerts and monitoring.max_run_minutes, then redeploy",
        )
    return Finding(
        "notifications",
        True,
        f"{', '.join(repr(n) for n in jobs.values())} notify team {monitoring.team} on failure and after "
        f"{monitoring.defaults.max_run_minutes} minutes",
    )
