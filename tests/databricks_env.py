"""What the `goldenpath databricks` and `goldenpath monitor` tests share: a workspace ready for a
rendered repo's acc target, seeded the way `bundle deploy` leaves it, and running the CLI.

The fake workspace (tests/fakes/databricks/) is driven through the real SDK by
the CLI; these helpers only seed its state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fakes.databricks import FakeWorkspaceServer, Workspace, seed_healthy
from fakes.databricks.monitors import create_monitor
from goldenpath.cli import main
from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.monitoring import MonitoringTarget, monitoring_target
from goldenpath.settings import load_settings

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
VERSION = "0.1.0"
SETTINGS = load_settings()
ACC_SP = SETTINGS.environments["acc"].deployment.service_principal  # type: ignore[union-attr]
SDK_ENV = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "ACTIONS_ID_TOKEN")
FEATURES = {"price": "DOUBLE", "promo": "STRING"}  # the example model's inputs, as far as monitoring cares


@contextmanager
def healthy_workspace(
    bundle: BundleTarget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """A workspace where `bundle`'s preflight passes; the SDK finds it through its own environment,
    like in a workflow, and nothing from the machine's own Databricks config leaks in."""
    for name in list(os.environ):
        if name.startswith(SDK_ENV):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    with FakeWorkspaceServer() as fake:
        seed_healthy(
            fake.workspace,
            catalog=bundle.catalog,
            schema=bundle.schema,
            principal=ACC_SP,
            node_type=bundle.node_types[0],
            spark_version=bundle.spark_versions[0],
            warehouse_id=SETTINGS.environments[bundle.target].warehouse_id,
        )
        monkeypatch.setenv("DATABRICKS_HOST", fake.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
        yield fake


def run(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--path", str(repo)])
    out, err = capsys.readouterr()
    return code, out, err


def checks(out: str) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in json.loads(out)["checks"]}


def failed_checks(out: str) -> dict[str, str]:
    return {name: c["message"] for name, c in checks(out).items() if not c["ok"]}


def job_alerting(monitoring: MonitoringTarget) -> dict[str, Any]:
    """A job's notifications and health rule as the bundle declares them for the owning team."""
    team = monitoring.alerts
    hooks = [{"id": destination} for destination in team.destinations]
    return {
        "email_notifications": {
            "on_failure": list(team.emails),
            "on_duration_warning_threshold_exceeded": list(team.emails),
        },
        "webhook_notifications": {"on_failure": hooks, "on_duration_warning_threshold_exceeded": hooks},
        "health": {
            "rules": [
                {"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": monitoring.max_run_seconds}
            ]
        },
    }


def deployed_job(bundle: BundleTarget, git_sha: str = SHA, version: str = VERSION) -> dict[str, Any]:
    """The pipeline job as `bundle deploy` writes it: tags resolved, run_as set, the uploaded wheel."""
    wheel = f"/Workspace/Users/{ACC_SP}/.bundle/{bundle.name}/acc/artifacts/.internal/{bundle.package_name}-{version}-py3-none-any.whl"
    return {
        "name": bundle.job_name,
        "tags": bundle.expected_tags(git_sha),
        "run_as": {"service_principal_name": bundle.service_principal},
        "tasks": [
            {
                "task_key": "pipeline",
                "python_wheel_task": {"package_name": bundle.package_name, "entry_point": bundle.entry_point},
                "libraries": [{"whl": wheel}],
            }
        ],
        **job_alerting(monitoring_target(bundle, SETTINGS)),
    }


def drift_sql(table: str, metric: str) -> str:
    """Each feature's drift from the baseline in the newest window, as the drift alert reads it."""
    newest = f"SELECT max(window.start) FROM {table} WHERE drift_type = 'BASELINE'"
    return (
        f"SELECT column_name AS feature, {metric} AS drift, window.start AS window_start FROM {table} "
        f"WHERE drift_type = 'BASELINE' AND slice_key IS NULL AND column_name NOT IN (':table') "
        f"AND window.start = ({newest})"
    )


def drift_alert(monitoring: MonitoringTarget) -> dict[str, Any]:
    """The drift alert as `bundle deploy` creates it (AlertV2, as the API shows it)."""
    metric = monitoring.defaults.drift_metric
    team = monitoring.alerts
    return {
        "display_name": monitoring.names.drift_alert_name,
        "query_text": drift_sql(monitoring.drift_metrics_table, metric),
        "warehouse_id": monitoring.warehouse_id,
        "evaluation": {
            "source": {"name": "drift", "aggregation": "MAX"},
            "comparison_operator": "GREATER_THAN",
            "threshold": {"value": {"double_value": monitoring.defaults.drift_threshold}},
            "notification": {
                "subscriptions": [{"destination_id": d} for d in team.destinations]
                + [{"user_email": e} for e in team.emails]
            },
        },
        "schedule": {
            "quartz_cron_schedule": monitoring.defaults.schedule,
            "timezone_id": monitoring.defaults.timezone,
        },
    }


def monitor_spec(monitoring: MonitoringTarget) -> dict[str, Any]:
    """The quality monitor's create request, as `bundle deploy` sends it."""
    columns = monitoring.columns
    return {
        "output_schema_name": monitoring.output_schema,
        "assets_dir": f"/Workspace/Shared/{monitoring.names.repo}/monitoring",
        "baseline_table_name": monitoring.baseline_table,
        "inference_log": {
            "problem_type": "PROBLEM_TYPE_REGRESSION",
            "granularities": list(monitoring.defaults.granularities),
            "prediction_col": columns.prediction,
            "model_id_col": columns.model_version,
            "timestamp_col": columns.timestamp,
            "label_col": columns.label,
        },
        "schedule": {
            "quartz_cron_expression": monitoring.defaults.schedule,
            "timezone_id": monitoring.defaults.timezone,
        },
        "notifications": {"on_failure": {"email_addresses": list(monitoring.alerts.emails)}},
    }


def predictions_columns(monitoring: MonitoringTarget) -> dict[str, str]:
    columns = monitoring.columns
    return {
        **FEATURES,
        columns.row_id: "STRING",
        columns.prediction: "DOUBLE",
        columns.model_version: "STRING",
        columns.timestamp: "TIMESTAMP",
        columns.label: "DOUBLE",
        columns.job_run_id: "STRING",
    }


def deploy_monitoring(workspace: Workspace, bundle: BundleTarget) -> MonitoringTarget:
    """What a deploy of `bundle` adds for monitoring: the monitor on the predictions table (which
    the job's first run created), the drift alert, and the monitoring job."""
    monitoring = monitoring_target(bundle, SETTINGS)
    for table in (monitoring.monitored_table, monitoring.baseline_table):
        workspace.tables.create(table, predictions_columns(monitoring))
    create_monitor(workspace, monitoring.monitored_table, monitor_spec(monitoring))
    workspace.add_alert(drift_alert(monitoring), owner=ACC_SP)
    monitoring_job = {"name": monitoring.names.monitoring_job_name, "tags": bundle.expected_tags(SHA)}
    workspace.add_job({**monitoring_job, **job_alerting(monitoring)})
    return monitoring
