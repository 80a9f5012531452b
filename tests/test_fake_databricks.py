"""The fake workspace's monitoring, SQL and model endpoints, driven through the real databricks-sdk.

What the product's commands read must parse into the SDK's own dataclasses
and behave as the real API does where the product depends on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import BadRequest, NotFound, PermissionDenied, ResourceAlreadyExists
from databricks.sdk.service.catalog import (
    MonitorCronSchedule,
    MonitorDestination,
    MonitorInferenceLog,
    MonitorInferenceLogProblemType,
    MonitorInfoStatus,
    MonitorNotifications,
    MonitorRefreshInfoState,
)
from databricks.sdk.service.sql import (
    AlertEvaluationState,
    AlertV2,
    AlertV2Evaluation,
    AlertV2Notification,
    AlertV2Operand,
    AlertV2OperandColumn,
    AlertV2OperandValue,
    AlertV2Subscription,
    ColumnInfoTypeName,
    ComparisonOperator,
    CronSchedule,
    StatementParameterListItem,
    StatementState,
    WarehouseAccessControlRequest,
    WarehousePermissionLevel,
)

from fakes.databricks import FakeWorkspaceServer
from fakes.databricks.alerts import evaluate
from fakes.databricks.monitors import DRIFT_METRICS_COLUMNS
from fakes.databricks.tables import to_sqlite

TABLE = "acc_rtl.demand.demand_predictions"
SCHEMA = "acc_rtl.demand"
WAREHOUSE = "wh-acc"
SP = "00000000-0000-0000-0000-00000000a001"
PREDICTIONS = {
    "id": "STRING",
    "price": "DOUBLE",
    "prediction": "DOUBLE",
    "model_version": "STRING",
    "ts": "TIMESTAMP",
}
DRIFT_TABLE = f"{SCHEMA}.demand_predictions_drift_metrics"


@pytest.fixture
def fake() -> Iterator[FakeWorkspaceServer]:
    with FakeWorkspaceServer() as server:
        workspace = server.workspace
        workspace.add_service_principal(SP, "acc deployer")
        workspace.tokens[server.token] = SP
        workspace.schemas.add(SCHEMA)
        workspace.tables.create(TABLE, PREDICTIONS)
        workspace.add_warehouse(WAREHOUSE, "monitoring")
        workspace.permit_warehouse(WAREHOUSE, SP)
        yield server


@pytest.fixture
def client(fake: FakeWorkspaceServer) -> WorkspaceClient:
    return WorkspaceClient(host=fake.url, token=fake.token)


def inference_log(**overrides: str) -> MonitorInferenceLog:
    columns = {
        "prediction_col": "prediction",
        "model_id_col": "model_version",
        "timestamp_col": "ts",
        **overrides,
    }
    return MonitorInferenceLog(
        problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_REGRESSION,
        granularities=["1 day"],
        **columns,
    )


def create_monitor(client: WorkspaceClient, table: str = TABLE, **profile: str) -> None:
    client.quality_monitors.create(
        table,
        SCHEMA,
        "/Shared/monitoring",
        inference_log=inference_log(**profile),
        baseline_table_name=f"{SCHEMA}.demand_baseline",
        notifications=MonitorNotifications(
            on_failure=MonitorDestination(email_addresses=["team@example.com"])
        ),
        schedule=MonitorCronSchedule(quartz_cron_expression="0 0 6 * * ?", timezone_id="UTC"),
    )


# --- quality monitors -----------------------------------------------------------------------
def test_a_monitor_reads_back_with_its_output_tables(client: WorkspaceClient) -> None:
    create_monitor(client)
    monitor = client.quality_monitors.get(TABLE)
    assert monitor.status == MonitorInfoStatus.MONITOR_STATUS_ACTIVE
    assert monitor.drift_metrics_table_name == DRIFT_TABLE
    assert monitor.profile_metrics_table_name == f"{SCHEMA}.demand_predictions_profile_metrics"
    assert monitor.inference_log is not None and monitor.inference_log.model_id_col == "model_version"
    assert monitor.notifications and monitor.notifications.on_failure
    assert monitor.notifications.on_failure.email_addresses == ["team@example.com"]
    assert monitor.schedule is not None and monitor.schedule.quartz_cron_expression == "0 0 6 * * ?"
    with pytest.raises(ResourceAlreadyExists):
        create_monitor(client)


def test_a_monitor_needs_its_table_and_columns_the_table_has(client: WorkspaceClient) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        create_monitor(client, table=f"{SCHEMA}.nothing_here")
    with pytest.raises(BadRequest, match=r"inference_log\.prediction_col 'yhat' is not a column"):
        create_monitor(client, prediction_col="yhat")
    with pytest.raises(NotFound):
        client.quality_monitors.get(TABLE)


def test_refreshes_finish_as_seeded_and_leave_the_metrics_tables(
    client: WorkspaceClient, fake: FakeWorkspaceServer
) -> None:
    create_monitor(client)
    first = client.quality_monitors.run_refresh(TABLE)
    assert first.state == MonitorRefreshInfoState.PENDING
    # No baseline table yet: the refresh fails and the monitor says why.
    (failed,) = client.quality_monitors.list_refreshes(TABLE).refreshes or []
    assert failed.state == MonitorRefreshInfoState.FAILED and "demand_baseline" in (failed.message or "")
    assert "demand_baseline" in (client.quality_monitors.get(TABLE).latest_monitor_failure_msg or "")

    fake.workspace.tables.create(f"{SCHEMA}.demand_baseline", PREDICTIONS)
    second = client.quality_monitors.run_refresh(TABLE)
    done = client.quality_monitors.get_refresh(TABLE, second.refresh_id)
    assert done.state == MonitorRefreshInfoState.SUCCESS and done.end_time_ms
    newest = (client.quality_monitors.list_refreshes(TABLE).refreshes or [])[0]
    assert newest.refresh_id == second.refresh_id
    assert fake.workspace.tables.columns(DRIFT_TABLE) == DRIFT_METRICS_COLUMNS


def test_a_monitor_updates_and_deletes(client: WorkspaceClient) -> None:
    create_monitor(client)
    client.quality_monitors.update(TABLE, SCHEMA, inference_log=inference_log(label_col="price"))
    updated = client.quality_monitors.get(TABLE)
    assert updated.inference_log and updated.inference_log.label_col == "price"
    assert updated.monitor_version == 2 and updated.notifications is None
    client.quality_monitors.delete(TABLE)
    with pytest.raises(NotFound):
        client.quality_monitors.get(TABLE)


# --- warehouses and statements ----------------------------------------------------------------
def test_a_warehouse_and_who_may_use_it(client: WorkspaceClient, fake: FakeWorkspaceServer) -> None:
    assert client.warehouses.get(WAREHOUSE).name == "monitoring"
    acl = client.warehouses.get_permissions(WAREHOUSE).access_control_list or []
    assert [
        (a.service_principal_name, a.all_permissions[0].permission_level) for a in acl if a.all_permissions
    ] == [(SP, WarehousePermissionLevel.CAN_USE)]
    client.warehouses.update_permissions(
        WAREHOUSE,
        access_control_list=[
            WarehouseAccessControlRequest(
                group_name="ml-team", permission_level=WarehousePermissionLevel.CAN_MANAGE
            )
        ],
    )
    acl = client.warehouses.get_permissions(WAREHOUSE).access_control_list or []
    assert {a.group_name or a.service_principal_name for a in acl} == {"ml-team", SP}
    with pytest.raises(NotFound):
        client.warehouses.get("wh-missing")


def test_statements_run_sql_on_the_tables(client: WorkspaceClient, fake: FakeWorkspaceServer) -> None:
    fake.workspace.tables.insert(
        TABLE,
        [
            {"id": "a", "price": 1.5, "prediction": 10.0, "model_version": "3", "ts": "2025-01-01T00:00:00"},
            {"id": "b", "price": 2.5, "prediction": 20.0, "model_version": "3", "ts": "2025-01-02T00:00:00"},
        ],
    )
    response = client.statement_execution.execute_statement(
        "SELECT id, prediction, ts, COUNT(*) OVER () AS n FROM `acc_rtl`.`demand`.demand_predictions "
        "WHERE price > :least ORDER BY id",
        WAREHOUSE,
        parameters=[StatementParameterListItem(name="least", value="2", type="DOUBLE")],
    )
    assert response.status and response.status.state == StatementState.SUCCEEDED
    assert response.manifest and response.manifest.schema and response.manifest.schema.columns
    kinds = [(c.name, c.type_name) for c in response.manifest.schema.columns]
    assert kinds == [
        ("id", ColumnInfoTypeName.STRING),
        ("prediction", ColumnInfoTypeName.DOUBLE),
        ("ts", ColumnInfoTypeName.TIMESTAMP),
        ("n", ColumnInfoTypeName.LONG),
    ]
    assert response.result and response.result.data_array == [["b", "20.0", "2025-01-02T00:00:00", "1"]]
    again = client.statement_execution.get_statement(response.statement_id or "")
    assert again.result and again.result.data_array == response.result.data_array

    empty = client.statement_execution.execute_statement(f"SELECT id FROM {TABLE} WHERE price > 9", WAREHOUSE)
    assert empty.status and empty.status.state == StatementState.SUCCEEDED
    assert empty.manifest and empty.manifest.total_row_count == 0
    assert empty.result is not None and empty.result.data_array is None


def test_a_statement_the_warehouse_refuses_fails_with_the_error_class(client: WorkspaceClient) -> None:
    response = client.statement_execution.execute_statement(f"SELECT * FROM {SCHEMA}.missing", WAREHOUSE)
    assert response.status and response.status.state == StatementState.FAILED
    assert response.status.error and "[TABLE_OR_VIEW_NOT_FOUND]" in (response.status.error.message or "")
    assert "`acc_rtl`.`demand`.`missing`" in (response.status.error.message or "")


def test_statements_need_can_use_on_the_warehouse(client: WorkspaceClient, fake: FakeWorkspaceServer) -> None:
    fake.workspace.warehouse_permissions[WAREHOUSE] = {SP: "CAN_VIEW"}
    with pytest.raises(PermissionDenied, match="CAN_USE"):
        client.statement_execution.execute_statement("SELECT 1 AS one", WAREHOUSE)
    fake.workspace.permit_warehouse(WAREHOUSE, "users", "CAN_USE")  # every identity is in `users`
    response = client.statement_execution.execute_statement("SELECT 1 AS one", WAREHOUSE)
    assert response.result and response.result.data_array == [["1"]]


def test_databricks_names_map_to_sqlite_names() -> None:
    assert to_sqlite("SELECT `window`.`start`, col FROM a.b.`c-d` WHERE x = 'a.b'") == (
        'SELECT "window.start", col FROM "a.b.c-d" WHERE x = \'a.b\''
    )
    assert to_sqlite("CREATE TABLE a.b.c (x DOUBLE) USING DELTA") == 'CREATE TABLE "a.b.c" (x DOUBLE)'
    assert (
        to_sqlite("SELECT * FROM t WHERE v > :limit AND w = 1.5")
        == "SELECT * FROM t WHERE v > :limit AND w = 1.5"
    )


# --- SQL alerts ---------------------------------------------------------------------------------
def drift_alert(threshold: float = 0.2) -> AlertV2:
    return AlertV2(
        display_name="demand drift",
        query_text=f"SELECT MAX(js_distance) AS max_drift FROM {DRIFT_TABLE} WHERE drift_type = 'BASELINE'",
        warehouse_id=WAREHOUSE,
        evaluation=AlertV2Evaluation(
            source=AlertV2OperandColumn(name="max_drift"),
            comparison_operator=ComparisonOperator.GREATER_THAN,
            threshold=AlertV2Operand(value=AlertV2OperandValue(double_value=threshold)),
            notification=AlertV2Notification(subscriptions=[AlertV2Subscription(destination_id="slack-ml")]),
        ),
        schedule=CronSchedule(quartz_cron_schedule="0 0 7 * * ?", timezone_id="UTC"),
    )


def test_an_alert_is_created_listed_updated_and_trashed(client: WorkspaceClient) -> None:
    created = client.alerts_v2.create_alert(drift_alert())
    assert created.id and created.evaluation.state == AlertEvaluationState.UNKNOWN
    assert [alert.display_name for alert in client.alerts_v2.list_alerts()] == ["demand drift"]
    changed = drift_alert(0.5)
    changed.display_name = "renamed"
    updated = client.alerts_v2.update_alert(created.id, changed, update_mask="evaluation")
    assert updated.display_name == "demand drift"
    assert updated.evaluation.threshold and updated.evaluation.threshold.value
    assert updated.evaluation.threshold.value.double_value == 0.5
    client.alerts_v2.trash_alert(created.id)
    assert list(client.alerts_v2.list_alerts()) == []
    with pytest.raises(NotFound):
        client.alerts_v2.get_alert(created.id)


def test_an_alert_needs_a_warehouse(client: WorkspaceClient) -> None:
    alert = drift_alert()
    alert.warehouse_id = "wh-missing"
    with pytest.raises(NotFound):
        client.alerts_v2.create_alert(alert)


def test_evaluating_an_alert_runs_its_query_on_the_drift_metrics(
    client: WorkspaceClient, fake: FakeWorkspaceServer
) -> None:
    alert_id = client.alerts_v2.create_alert(drift_alert()).id or ""
    assert evaluate(fake.workspace, alert_id) == "ERROR"  # no drift table before the first refresh
    fake.workspace.tables.create(DRIFT_TABLE, DRIFT_METRICS_COLUMNS)
    assert evaluate(fake.workspace, alert_id) == "UNKNOWN"  # MAX over no rows is one NULL row
    fake.workspace.tables.insert(
        DRIFT_TABLE,
        [
            {"column_name": "price", "drift_type": "BASELINE", "js_distance": 0.1},
            {"column_name": "promo", "drift_type": "CONSECUTIVE", "js_distance": 0.9},
        ],
    )
    assert evaluate(fake.workspace, alert_id) == "OK"
    fake.workspace.tables.insert(
        DRIFT_TABLE, [{"column_name": "promo", "drift_type": "BASELINE", "js_distance": 0.3}]
    )
    assert evaluate(fake.workspace, alert_id) == "TRIGGERED"
    assert client.alerts_v2.get_alert(alert_id).evaluation.state == AlertEvaluationState.TRIGGERED


# --- Unity Catalog model aliases, MLflow search order -----------------------------------------------
def test_model_aliases(client: WorkspaceClient, fake: FakeWorkspaceServer) -> None:
    model = f"{SCHEMA}.demand_model"
    for _ in range(2):
        fake.workspace.add_model_version(model, run_id="r")
    client.registered_models.set_alias(model, "champion", 1)
    client.registered_models.set_alias(model, "challenger", 2)
    assert client.model_versions.get_by_alias(model, "challenger").version == 2
    aliases = client.registered_models.get(model, include_aliases=True).aliases or []
    assert sorted((a.alias_name, a.version_num) for a in aliases) == [("challenger", 2), ("champion", 1)]
    champion = client.model_versions.get(model, 1)
    assert [a.alias_name for a in champion.aliases or []] == ["champion"]
    client.registered_models.delete_alias(model, "challenger")
    with pytest.raises(NotFound):
        client.model_versions.get_by_alias(model, "challenger")
    with pytest.raises(NotFound):
        client.registered_models.set_alias(model, "champion", 7)


def test_mlflow_search_answers_newest_first(client: WorkspaceClient, fake: FakeWorkspaceServer) -> None:
    older = fake.workspace.add_mlflow_run("/Shared/x", {"kind": "drift_check"}, params={"decision": "skip"})
    newer = fake.workspace.add_mlflow_run("/Shared/x", {"kind": "drift_check"}, metrics={"max_drift": 0.4})
    experiment = client.experiments.get_by_name("/Shared/x").experiment
    assert experiment is not None and experiment.experiment_id
    runs = list(
        client.experiments.search_runs(
            experiment_ids=[experiment.experiment_id],
            filter="tags.kind = 'drift_check'",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
    )
    assert [run.info.run_id for run in runs if run.info] == [newer]
    assert runs[0].data and runs[0].data.metrics and runs[0].data.metrics[0].value == 0.4
    assert client.experiments.get_run(older).run.data.params[0].value == "skip"  # type: ignore[union-attr,index]
