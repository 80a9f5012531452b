"""Rendered monitoring: valid bundles, and one set of names in the code, the monitor and the alert."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import yaml

from goldenpath.naming import MONITOR_COLUMNS, derive_names
from goldenpath.project import drift_query
from goldenpath.settings import load_settings
from rendering import BIN, BUNDLE_SCHEMA, Rendered

SETTINGS = load_settings()


def bundle_files(repo: Path) -> list[Path]:
    return [repo / "databricks.yml", *sorted((repo / "resources").glob("*.yml"))]


def resources(repo: Path) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for path in bundle_files(repo):
        for kind, found in (yaml.safe_load(path.read_text()).get("resources") or {}).items():
            merged.setdefault(kind, {}).update(found)
    return merged


def constants(path: Path) -> dict[str, Any]:
    """The module-level string and number constants of a generated Python file, read without importing it."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            values.update(
                {target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)}
            )
    return values


def test_the_drift_query_reads_each_features_baseline_drift_in_the_newest_window() -> None:
    query = drift_query("c.s.t_drift_metrics", SETTINGS.monitoring)
    assert query.startswith(
        "SELECT column_name AS feature, js_distance AS drift, window.start AS window_start "
    )
    assert query.count("FROM c.s.t_drift_metrics ") == 2
    assert "drift_type = 'BASELINE' AND slice_key IS NULL AND granularity = '1 day'" in query
    not_features = "':table', " + ", ".join(f"'{column}'" for column in MONITOR_COLUMNS.serving)
    assert f"column_name NOT IN ({not_features})" in query
    assert query.endswith(
        "AND window.start = (SELECT max(window.start) FROM c.s.t_drift_metrics "
        "WHERE drift_type = 'BASELINE' AND granularity = '1 day')"
    )


def test_every_rendered_bundle_validates_against_the_databricks_schema(
    rendered_matrix: list[Rendered],
) -> None:
    for rendered in rendered_matrix:
        repo = rendered.by_copier
        files = [str(path.relative_to(repo)) for path in bundle_files(repo)]
        checked = subprocess.run(
            [str(BIN / "check-jsonschema"), "--schemafile", str(BUNDLE_SCHEMA), *files],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, f"{rendered.label}\n{checked.stdout}{checked.stderr}"


def test_the_monitor_reads_the_columns_and_tables_the_code_writes(rendered_matrix: list[Rendered]) -> None:
    checked = 0
    for rendered in rendered_matrix:
        if not rendered.answers["include_example"]:
            continue
        repo, serving = rendered.by_copier, rendered.answers["project_kind"] == "serving"
        names = derive_names(rendered.answers["repo_name"], SETTINGS)
        config = constants(repo / "src" / names.package / "config.py")
        [monitor] = resources(repo)["quality_monitors"].values()
        profile = monitor["inference_log"]
        assert (
            profile["prediction_col"],
            profile["model_id_col"],
            profile["timestamp_col"],
            profile["label_col"],
        ) == (config["PREDICTION"], config["MODEL_VERSION"], config["PREDICTED_AT"], config["LABEL"])
        written = (config["ROW_ID"], config["PREDICTION"], config["MODEL_VERSION"], config["PREDICTED_AT"])
        assert (*written, config["LABEL"], config["JOB_RUN_ID"]) == MONITOR_COLUMNS.batch
        table = config["INFERENCE_TABLE"] if serving else config["PREDICTIONS_TABLE"]
        assert monitor["table_name"] == f"${{var.catalog}}.${{var.schema}}.{table}"
        assert (
            monitor["baseline_table_name"] == f"${{var.catalog}}.${{var.schema}}.{config['BASELINE_TABLE']}"
        )
        assert config["DRIFT_METRICS_TABLE"] == f"{table}_drift_metrics"
        if serving:
            assert (
                config["STATUS_CODE"],
                config["LATENCY_MS"],
                config["REQUEST_ID"],
                config["VARIANT"],
            ) == MONITOR_COLUMNS.serving[len(MONITOR_COLUMNS.batch) :]
        [alert] = resources(repo)["alerts"].values()
        drift_table = f"${{var.catalog}}.${{var.schema}}.{config['DRIFT_METRICS_TABLE']}"
        assert alert["query_text"] == config["DRIFT_QUERY"].format(table=drift_table)
        assert alert["evaluation"]["threshold"]["value"]["double_value"] == config["DRIFT_THRESHOLD"]
        checked += 1
    assert checked >= 3


def test_settings_reach_every_target_monitor_alert_and_job(rendered_matrix: list[Rendered]) -> None:
    monitoring = SETTINGS.monitoring
    for rendered in rendered_matrix:
        repo, team = rendered.by_copier, rendered.answers["team"]
        alerts = SETTINGS.team_alerts[team]
        bundle = yaml.safe_load((repo / "databricks.yml").read_text())
        for env, environment in SETTINGS.environments.items():
            assert bundle["targets"][env]["variables"]["warehouse_id"] == environment.warehouse_id
        found = resources(repo)
        for job in found["jobs"].values():
            assert job["health"]["rules"] == [
                {
                    "metric": "RUN_DURATION_SECONDS",
                    "op": "GREATER_THAN",
                    "value": monitoring.max_run_minutes * 60,
                }
            ]
            emails = job.get("email_notifications", {})
            assert emails.get("on_failure", []) == list(alerts.emails)
            hooks = job.get("webhook_notifications", {}).get("on_failure", [])
            assert [hook["id"] for hook in hooks] == list(alerts.destinations)
        if not rendered.answers["include_example"]:
            assert "quality_monitors" not in found and "monitoring" not in found["jobs"]
            continue
        [monitor] = found["quality_monitors"].values()
        assert monitor["schedule"] == {
            "quartz_cron_expression": monitoring.schedule,
            "timezone_id": monitoring.timezone,
        }
        assert monitor["inference_log"]["granularities"] == list(monitoring.granularities)
        assert monitor.get("notifications", {}).get("on_failure", {}).get("email_addresses", []) == list(
            alerts.emails
        )
        [alert] = found["alerts"].values()
        subscriptions = alert["evaluation"]["notification"]["subscriptions"]
        assert subscriptions == [{"destination_id": d} for d in alerts.destinations] + [
            {"user_email": e} for e in alerts.emails
        ]
        schedule = found["jobs"]["monitoring"]["schedule"]
        assert schedule == {"quartz_cron_expression": monitoring.schedule, "timezone_id": monitoring.timezone}
        drift_check = found["jobs"]["monitoring"]["tasks"][-1]
        assert drift_check["task_key"] == "drift_check"
        assert "${var.retrain_on_drift}" in drift_check["python_wheel_task"]["parameters"]
        assert bundle["variables"]["retrain_on_drift"]["default"] == "false"
