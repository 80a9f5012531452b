"""Read a target's monitoring state from the workspace: monitor, last refresh, drift, alert, drift_check.

Drift is read with the drift query the alert and the drift_check task run
(`goldenpath.project.drift_query`: per feature, its drift and the newest
window), on the environment's SQL warehouse through the SQL statement API, so
the per-feature numbers are the ones the alert evaluates.
"""

from __future__ import annotations

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound

from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.deployed import deployed_name
from goldenpath.databricks.monitoring import MonitoringTarget
from goldenpath.databricks.statements import SqlRefused, run_sql
from goldenpath.databricks.verify_monitoring import find_alert, find_monitor
from goldenpath.monitor.report import (
    AlertState,
    DriftCheck,
    FeatureDrift,
    MonitorStatus,
    Refresh,
    iso_from_ms,
)
from goldenpath.naming import DRIFT_CHECK_TASK
from goldenpath.project import drift_query

# The generated drift_check task tags its MLflow run so (the template's monitoring module).
TASK_TAG, DECISION_TAG, REASON_TAG, TRAINING_RUN_TAG = (
    "task",
    "drift_decision",
    "drift_reason",
    "training_job_run_id",
)
MAX_DRIFT_METRIC = "max_drift"
NOT_FOUND_CLASS = "TABLE_OR_VIEW_NOT_FOUND"


def monitor_status(
    client: WorkspaceClient, bundle: BundleTarget, monitoring: MonitoringTarget
) -> MonitorStatus:
    """Everything `monitor status` shows; raises `SqlRefused` when the warehouse refuses the drift query and
    `Outage` when it does not answer in time."""
    table = monitoring.monitored_table
    monitor = find_monitor(client, table)
    status = MonitorStatus(
        target=bundle.target,
        table=table,
        monitor=_value(monitor.status) if monitor else None,
        monitor_failure=monitor.latest_monitor_failure_msg if monitor else None,
        last_refresh=last_refresh(client, table) if monitor else None,
        drift_table=monitoring.drift_metrics_table,
        drift_metric=monitoring.defaults.drift_metric,
        threshold=monitoring.defaults.drift_threshold,
    )
    read_drift(client, monitoring, status)
    alert_name = deployed_name(client, bundle, monitoring.names.drift_alert_name)
    alert = find_alert(client, alert_name)
    status.alert = AlertState(
        name=alert_name,
        id=alert.id if alert else None,
        state=_value(alert.evaluation.state) if alert else None,
        last_evaluated_at=alert.evaluation.last_evaluated_at if alert else None,
    )
    status.drift_check = last_drift_check(client, bundle)
    return status


def _value(enum: object) -> str | None:
    return str(getattr(enum, "value", enum)) if enum is not None else None


def last_refresh(client: WorkspaceClient, table: str) -> Refresh | None:
    refreshes = client.quality_monitors.list_refreshes(table).refreshes or []
    if not refreshes:
        return None
    newest = max(refreshes, key=lambda refresh: refresh.start_time_ms or 0)
    return Refresh(
        refresh_id=newest.refresh_id,
        state=_value(newest.state) or "UNKNOWN",
        started_at=iso_from_ms(newest.start_time_ms),
        ended_at=iso_from_ms(newest.end_time_ms),
        message=newest.message,
    )


def read_drift(client: WorkspaceClient, monitoring: MonitoringTarget, status: MonitorStatus) -> None:
    """Run the drift query and fill `status.features`; no drift table yet is no metrics yet, not an error."""
    sql = drift_query(monitoring.drift_metrics_table, monitoring.defaults)
    try:
        result = run_sql(client, monitoring.warehouse_id, sql, setting=monitoring.warehouse_setting)
    except SqlRefused as exc:
        if NOT_FOUND_CLASS not in exc.what:
            raise
        status.drift_error = (
            f"no drift metrics yet: {status.drift_table} does not exist before the monitor's first refresh"
        )
        return
    if not result.rows:
        status.drift_error = "no drift metrics in the newest window yet"
    feature, drift_column, window = result.columns[:3]  # the drift query's columns, in its order
    for row in result.rows:
        value = row[drift_column]
        drift = float(value) if value is not None else None
        above = drift is not None and drift > monitoring.defaults.drift_threshold
        status.features.append(FeatureDrift(str(row[feature]), drift, above))
    status.features.sort(key=lambda f: (f.drift is None, -(f.drift or 0.0), f.feature))
    starts = sorted({str(row[window]) for row in result.rows if row[window]})
    status.window_start = starts[-1] if starts else None


def last_drift_check(client: WorkspaceClient, bundle: BundleTarget) -> DriftCheck | None:
    """The newest MLflow run the drift_check task logged in the target's experiment."""
    if not bundle.experiment:
        return None
    try:
        experiment = client.experiments.get_by_name(bundle.experiment).experiment
    except NotFound:
        return None
    if experiment is None or not experiment.experiment_id:
        return None
    runs = client.experiments.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter=f"tags.{TASK_TAG} = '{DRIFT_CHECK_TASK}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    run = next(iter(runs), None)
    if run is None:
        return None
    tags = {tag.key: tag.value for tag in (run.data.tags if run.data else None) or [] if tag.key}
    metrics = {m.key: m.value for m in (run.data.metrics if run.data else None) or [] if m.key}
    return DriftCheck(
        decision=tags.get(DECISION_TAG),
        reason=tags.get(REASON_TAG),
        max_drift=metrics.get(MAX_DRIFT_METRIC),
        mlflow_run_id=run.info.run_id if run.info else None,
        at=iso_from_ms(run.info.start_time if run.info else None),
        training_job_run_id=tags.get(TRAINING_RUN_TAG),
    )
