"""`goldenpath monitor status` in a rendered repo against the fake workspace, through databricks-sdk.

Drift is read with the rendered bundle's drift alert query, which the fake's
SQL warehouse really runs on the drift-metrics rows each test seeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from databricks_env import SETTINGS, deploy_monitoring, healthy_workspace, run
from fakes.databricks import FakeWorkspaceServer
from fakes.databricks.alerts import evaluate
from fakes.databricks.monitors import DRIFT_METRICS_COLUMNS
from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.monitoring import MonitoringTarget, monitoring_target
from goldenpath.monitor.status import DECISION_TAG, MAX_DRIFT_METRIC, REASON_TAG, TASK_TAG, TRAINING_RUN_TAG
from goldenpath.naming import DRIFT_CHECK_TASK

THRESHOLD = SETTINGS.monitoring.drift_threshold
METRIC = SETTINGS.monitoring.drift_metric
NEWEST = "2025-03-02T00:00:00"
GRANULARITY = SETTINGS.monitoring.granularities[0]


@pytest.fixture
def monitoring(acc: BundleTarget) -> MonitoringTarget:
    return monitoring_target(acc, SETTINGS)


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, acc: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """acc after a deploy: the monitor on the predictions table, the drift alert, the monitoring job."""
    with healthy_workspace(acc, monkeypatch, tmp_path) as fake:
        deploy_monitoring(fake.workspace, acc)
        yield fake


def drift_row(window: str, column: str, drift: float, **fields: str) -> dict[str, Any]:
    """One row a monitor refresh writes: baseline drift of one column over the whole table, by day."""
    row = {"window.start": window, "granularity": GRANULARITY, "drift_type": "BASELINE", "slice_key": None}
    return {**row, "column_name": column, METRIC: drift, **fields}


def refreshed(server: FakeWorkspaceServer, monitoring: MonitoringTarget, drift: dict[str, float]) -> None:
    """A successful refresh that wrote `drift` per feature for the newest window (and an older, worse one)."""
    server.workspace.add_refresh(monitoring.monitored_table, "SUCCESS")
    rows: list[dict[str, Any]] = [
        drift_row("2025-03-01T00:00:00", "price", 0.99),  # an older window
        *(drift_row(NEWEST, feature, value) for feature, value in drift.items()),
        drift_row(NEWEST, "price", 0.95, drift_type="CONSECUTIVE"),
        drift_row(NEWEST, "price", 0.95, granularity="1 week"),
        drift_row(NEWEST, "price", 0.95, slice_key="promo"),
        drift_row(NEWEST, ":table", 0.9),
        drift_row(NEWEST, monitoring.columns.prediction, 0.9),  # not a feature
    ]
    server.workspace.tables.create(monitoring.drift_metrics_table, DRIFT_METRICS_COLUMNS, rows)
    (alert_id,) = server.workspace.alerts
    evaluate(server.workspace, alert_id)  # the alert's schedule ran after the refresh


def status(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run(repo, capsys, "monitor", "status", "--target", "acc", *extra)


def test_drift_below_the_threshold_passes_and_shows_every_feature(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], monitoring: MonitoringTarget
) -> None:
    refreshed(server, monitoring, {"price": 0.05, "promo": 0.1})
    code, out, err = status(repo, capsys, "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["ok"] and result["verdict"] == "no drift above the threshold, monitor healthy"
    assert result["drift"]["features"] == [
        {"feature": "promo", "drift": 0.1, "above_threshold": False},
        {"feature": "price", "drift": 0.05, "above_threshold": False},
    ]
    assert result["drift"]["window_start"] == NEWEST and result["drift"]["above_threshold"] == []
    assert result["alert"]["state"] == "OK"
    assert result["last_refresh"]["state"] == "SUCCESS"
    assert server.url in err  # progress on stderr names the workspace
    statements = server.workspace.calls_to("POST", "/api/2.0/sql/statements")
    assert [call.body["warehouse_id"] for call in statements] == [monitoring.warehouse_id]


def test_drift_above_the_threshold_exits_1_and_names_the_feature(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    refreshed(server, monitoring, {"price": 0.05, "promo": THRESHOLD + 0.15})
    code, out, _ = status(repo, capsys)
    assert code == 1
    promo = f"{THRESHOLD + 0.15:.3f}"
    assert f"  promo  {promo:>7}  ABOVE" in out and "  price    0.050  ok" in out
    assert (
        out.splitlines()[-1] == f"monitor status --target acc: {METRIC} above {THRESHOLD} for promo {promo}"
    )
    assert f"alert        {monitoring.names.drift_alert_name}: TRIGGERED" in out
    assert f"| promo | {promo} | **yes** |" in summary.read_text(encoding="utf-8")


def test_drift_exactly_at_the_threshold_is_not_above_it(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], monitoring: MonitoringTarget
) -> None:
    refreshed(server, monitoring, {"promo": THRESHOLD})
    code, out, _ = status(repo, capsys, "--json")
    assert code == 0 and json.loads(out)["alert"]["state"] == "OK"


@pytest.mark.parametrize(
    ("break_monitor", "shown"),
    [
        (
            lambda ws, table: ws.monitors[table].update(
                status="MONITOR_STATUS_ERROR", latest_monitor_failure_msg="the baseline table is gone"
            ),
            "the monitor is failing",
        ),
        (
            lambda ws, table: ws.refresh_outcomes.update({table: ("FAILED", "out of memory")}),
            "the monitor is failing",
        ),
        (lambda ws, table: ws.monitors.pop(table), "no monitor on"),
    ],
    ids=["monitor-error", "refresh-failed", "no-monitor"],
)
def test_a_failing_monitor_exits_1(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    break_monitor: Any,
    shown: str,
) -> None:
    server.workspace.monitor_refreshes[monitoring.monitored_table] = []
    server.workspace.add_refresh(monitoring.monitored_table, "PENDING")
    break_monitor(server.workspace, monitoring.monitored_table)
    code, out, _ = status(repo, capsys, "--json")
    assert code == 1
    result = json.loads(out)
    assert result["monitor"]["failing"] and not result["ok"] and shown in result["verdict"]


def test_no_refresh_yet_passes_and_says_so(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], monitoring: MonitoringTarget
) -> None:
    code, out, _ = status(repo, capsys)
    assert code == 0, out
    assert "last refresh none yet" in out
    assert f"{monitoring.drift_metrics_table} does not exist before the monitor's first refresh" in out
    assert "drift_check  none yet" in out
    code, out, _ = status(repo, capsys, "--json")
    result = json.loads(out)
    assert result["last_refresh"] is None and result["drift"]["features"] == []
    assert result["alert"]["state"] == "UNKNOWN" and result["drift_check"] is None


def test_the_json_fields(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    acc: BundleTarget,
) -> None:
    refreshed(server, monitoring, {"promo": THRESHOLD + 0.1})
    run_id = server.workspace.add_mlflow_run(
        str(acc.experiment),
        {
            "task": "drift_check",
            "drift_decision": "alert_only",
            "drift_reason": f"{METRIC} above {THRESHOLD} for promo",
        },
        metrics={"max_drift": THRESHOLD + 0.1},
    )
    server.workspace.add_mlflow_run(str(acc.experiment), {"task": "train"})  # newer, but no drift check
    code, out, _ = status(repo, capsys, "--json")
    assert code == 1
    result = json.loads(out)
    assert set(result) == {
        "command",
        "target",
        "ok",
        "verdict",
        "table",
        "monitor",
        "last_refresh",
        "drift",
        "alert",
        "drift_check",
    }
    assert result["table"] == monitoring.monitored_table
    assert result["monitor"] == {"status": "MONITOR_STATUS_ACTIVE", "failure": None, "failing": False}
    assert set(result["last_refresh"]) == {"refresh_id", "state", "started_at", "ended_at", "message"}
    assert result["last_refresh"]["started_at"].endswith("Z")
    assert result["drift"] == {
        "table": monitoring.drift_metrics_table,
        "metric": METRIC,
        "threshold": THRESHOLD,
        "window_start": NEWEST,
        "features": [{"feature": "promo", "drift": THRESHOLD + 0.1, "above_threshold": True}],
        "above_threshold": ["promo"],
        "unavailable": None,
    }
    (alert_id,) = server.workspace.alerts
    assert result["alert"] == {
        "name": monitoring.names.drift_alert_name,
        "id": alert_id,
        "state": "TRIGGERED",
        "last_evaluated_at": server.workspace.alerts[alert_id]["evaluation"]["last_evaluated_at"],
    }
    assert (
        result["drift_check"]["decision"] == "alert_only" and result["drift_check"]["mlflow_run_id"] == run_id
    )
    assert result["drift_check"]["max_drift"] == THRESHOLD + 0.1
    assert set(result["drift_check"]) == {
        "decision",
        "reason",
        "max_drift",
        "mlflow_run_id",
        "at",
        "training_job_run_id",
    }


def test_a_warehouse_the_caller_may_not_use_refuses_the_drift_query(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], monitoring: MonitoringTarget
) -> None:
    refreshed(server, monitoring, {"promo": 0.1})
    server.workspace.warehouse_permissions[monitoring.warehouse_id] = {}
    code, out, err = status(repo, capsys)
    assert code == 2 and out == ""  # a 403: what these credentials may do, not a check that failed
    assert f"SQL warehouse {monitoring.warehouse_id} refused the statement: " in err and "CAN_USE" in err
    assert "environments.acc.warehouse_id" in err


def test_an_unknown_target_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys, "monitor", "status", "--target", "staging")
    assert code == 2 and "choose one of dev, acc, prd" in err


def test_the_drift_check_tags_it_reads_are_the_ones_the_generated_task_writes(repo: Path) -> None:
    """The generated drift_check task tags its MLflow run; status finds and reads it by those tags."""
    source = next(repo.glob("src/*/monitoring.py")).read_text(encoding="utf-8")
    assert f'TASK_TAG = "{TASK_TAG}"' in source and f'DECISION_TAG = "{DECISION_TAG}"' in source
    assert f"TASK_TAG: {DRIFT_CHECK_TASK!r}".replace("'", '"') in source
    assert f'mlflow.set_tag("{REASON_TAG}",' in source and f'mlflow.set_tag("{TRAINING_RUN_TAG}",' in source
    assert f'mlflow.log_metric("{MAX_DRIFT_METRIC}",' in source
