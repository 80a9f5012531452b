"""preflight and verify of a rendered repo's monitoring against the fake workspace, through databricks-sdk:
the SQL warehouse and who may use it, the output schema, the monitor, the drift alert, job notifications."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import WarehouseAccessControlRequest, WarehousePermissionLevel

from databricks_env import (
    ACC_SP,
    SETTINGS,
    SHA,
    VERSION,
    bundle_monitor,
    checks,
    deploy_monitoring,
    deployed_job,
    failed_checks,
    healthy_workspace,
    run,
)
from fakes.databricks import FakeWorkspaceServer
from fakes.databricks.monitors import create_monitor
from goldenpath.databricks.bundle import BundleTarget, load_bundle
from goldenpath.databricks.monitoring import MonitoringTarget, monitoring_target
from rendering import EXAMPLE_ANSWERS, copier_copy

WAREHOUSE = SETTINGS.environments["acc"].warehouse_id
TEAM = SETTINGS.team_alerts[str(EXAMPLE_ANSWERS["team"])]


@pytest.fixture
def monitoring(acc: BundleTarget) -> MonitoringTarget:
    return monitoring_target(acc, SETTINGS)


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, acc: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    with healthy_workspace(acc, monkeypatch, tmp_path) as fake:
        yield fake


def preflight(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    return code, checks(out)


# --- preflight: the warehouse, its use, the output schema --------------------------------------------
def test_preflight_names_the_warehouse_it_checked(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = preflight(repo, capsys)
    assert code == 0, found
    assert found["warehouse"]["message"] == f"SQL warehouse monitoring ({WAREHOUSE}) exists, RUNNING"
    assert found["warehouse-use"]["message"] == f"{ACC_SP} has CAN_USE on SQL warehouse {WAREHOUSE}"
    assert found["output-schema"]["ok"] and "drift_metrics" in found["output-schema"]["message"]


def test_a_missing_warehouse_names_the_setting_and_the_warehouses_there_are(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del server.workspace.warehouses[WAREHOUSE]
    server.workspace.add_warehouse("0123456789abcdef", "shared")
    code, found = preflight(repo, capsys)
    assert code == 1
    assert {name for name, check in found.items() if not check["ok"]} == {"warehouse"}
    assert "warehouse-use" not in found  # nothing to use
    assert found["warehouse"]["message"] == (
        f"SQL warehouse {WAREHOUSE} (environments.acc.warehouse_id in goldenpath.yml) does not exist in this workspace"
    )
    assert found["warehouse"]["fix"].startswith(
        "set environments.acc.warehouse_id in goldenpath.yml to a warehouse of this workspace (0123456789abcdef (shared))"
    )


def test_a_principal_that_may_not_use_the_warehouse_gets_the_grant_then_passes(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.workspace.warehouse_permissions[WAREHOUSE] = {ACC_SP: "CAN_VIEW"}
    code, found = preflight(repo, capsys)
    assert code == 1 and not found["warehouse-use"]["ok"]
    assert found["warehouse-use"]["message"] == (
        f"{ACC_SP} may not use SQL warehouse {WAREHOUSE}: the drift alert and monitor run on it"
    )
    grant = f'{{"access_control_list": [{{"service_principal_name": "{ACC_SP}", "permission_level": "CAN_USE"}}]}}'
    assert found["warehouse-use"]["fix"].startswith(
        f"databricks warehouses update-permissions {WAREHOUSE} --json '{grant}'"
    )

    # The platform team runs that grant (here through the SDK, as the CLI would); preflight passes.
    admin = WorkspaceClient(host=server.url, token=server.token)
    admin.warehouses.update_permissions(
        WAREHOUSE,
        access_control_list=[
            WarehouseAccessControlRequest.from_dict(json.loads(grant)["access_control_list"][0])
        ],
    )
    code, found = preflight(repo, capsys)
    assert code == 0 and found["warehouse-use"]["ok"]


@pytest.mark.parametrize("group", ["users", "ml-deployers"])
def test_warehouse_use_through_a_group_counts(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], group: str
) -> None:
    server.workspace.warehouse_permissions[WAREHOUSE] = {group: "CAN_MANAGE"}
    server.workspace.groups[ACC_SP] = {"ml-deployers"}
    code, found = preflight(repo, capsys)
    assert code == 0, found
    assert (
        found["warehouse-use"]["message"]
        == f"{ACC_SP} has CAN_MANAGE on SQL warehouse {WAREHOUSE} through group {group}"
    )


def test_another_groups_permission_does_not_count(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = WorkspaceClient(host=server.url, token=server.token)
    admin.warehouses.set_permissions(
        WAREHOUSE,
        access_control_list=[
            WarehouseAccessControlRequest(
                group_name="analysts", permission_level=WarehousePermissionLevel.CAN_USE
            )
        ],
    )
    code, found = preflight(repo, capsys)
    assert code == 1 and not found["warehouse-use"]["ok"]


def test_an_output_schema_the_principal_owns_is_writable(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.grants.pop(("schema", acc.schema_full_name))
    server.workspace.schema_owners[acc.schema_full_name] = ACC_SP
    code, found = preflight(repo, capsys)
    assert code == 0, found
    assert found["output-schema"]["message"].startswith(f"{ACC_SP} owns output schema {acc.schema_full_name}")


def test_an_output_schema_without_create_table_gets_the_grant(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.grants[("schema", acc.schema_full_name)][ACC_SP].discard("CREATE_TABLE")
    code, found = preflight(repo, capsys)
    assert code == 1
    assert (
        found["output-schema"]["fix"] == f"GRANT CREATE TABLE ON SCHEMA {acc.schema_full_name} TO `{ACC_SP}`"
    )


def test_a_team_the_settings_do_not_know_is_a_usage_error(
    server: FakeWorkspaceServer, repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = Path(shutil.copytree(repo, tmp_path / repo.name))
    job = copy / "resources" / "pipeline_job.yml"
    text = job.read_text(encoding="utf-8")
    tag = f'team: "{EXAMPLE_ANSWERS["team"]}"'
    assert tag in text
    job.write_text(text.replace(tag, 'team: "ds-unknown"'), encoding="utf-8")
    code, out, err = run(copy, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 2 and out == ""
    assert "team tag 'ds-unknown' is not a team of" in err


# --- verify: monitor, alert, notifications ---------------------------------------------------------
def verify(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, out, _ = run(
        repo,
        capsys,
        "databricks",
        "verify",
        "--target",
        "acc",
        "--git-sha",
        SHA,
        "--version",
        VERSION,
        "--json",
    )
    return code, out


@pytest.fixture
def deployed(server: FakeWorkspaceServer, acc: BundleTarget) -> FakeWorkspaceServer:
    """The workspace after a deploy of acc: the pipeline job and the monitoring."""
    server.workspace.add_job(deployed_job(acc))
    deploy_monitoring(server.workspace, acc)
    return server


def test_verify_proves_the_monitoring_a_deploy_created(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = verify(repo, capsys)
    assert code == 0, out
    result = json.loads(out)
    assert result["monitor"] == {"table": monitoring.monitored_table, "status": "MONITOR_STATUS_ACTIVE"}
    assert result["alert"]["name"] == monitoring.names.drift_alert_name and result["alert"]["id"]
    found = checks(out)
    assert (
        found["monitor"]["message"]
        == f"quality monitor on {monitoring.monitored_table} (MONITOR_STATUS_ACTIVE)"
    )
    assert monitoring.monitored_table.endswith("_predictions")
    assert all(email in found["alert-destinations"]["message"] for email in TEAM.emails)
    assert f"'{monitoring.names.monitoring_job_name}'" in found["notifications"]["message"]
    shown = summary.read_text(encoding="utf-8")
    assert f"| monitor | `{monitoring.monitored_table}` (MONITOR_STATUS_ACTIVE) |" in shown
    assert f"| drift alert | `{monitoring.names.drift_alert_name}` |" in shown


def test_verify_fails_on_a_missing_monitor(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    del deployed.workspace.monitors[monitoring.monitored_table]
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "monitor": f"no quality monitor on {monitoring.monitored_table}: "
        "the predictions the team's alerts watch are not monitored"
    }
    assert "databricks bundle deploy -t acc" in checks(out)["monitor"]["fix"]


def test_verify_fails_on_a_monitor_on_the_wrong_table(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    acc: BundleTarget,
) -> None:
    """A bundle whose monitor watches another table deploys a monitor there, and none on the predictions."""
    del deployed.workspace.monitors[monitoring.monitored_table]
    monitor = bundle_monitor(acc)
    del monitor["table_name"]
    create_monitor(deployed.workspace, monitoring.baseline_table, monitor)
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["monitor"]
    assert monitoring.monitored_table in failed_checks(out)["monitor"]


def test_verify_fails_on_a_monitor_reading_other_columns(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    monitor = deployed.workspace.monitors[monitoring.monitored_table]
    monitor["inference_log"]["prediction_col"] = "yhat"
    monitor["notifications"] = {}
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["monitor-profile"]
    message = failed_checks(out)["monitor-profile"]
    assert "inference_log.prediction_col='yhat' (expected 'prediction')" in message
    assert f"notifications.on_failure lacks {', '.join(TEAM.emails)}" in message


def test_verify_fails_on_a_failing_monitor(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    deployed.workspace.monitors[monitoring.monitored_table].update(
        status="MONITOR_STATUS_ERROR", latest_monitor_failure_msg="PERMISSION_DENIED on the output schema"
    )
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out)["monitor"].endswith(
        "is MONITOR_STATUS_ERROR: PERMISSION_DENIED on the output schema"
    )


def test_verify_fails_on_a_missing_alert(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    deployed.workspace.alerts.clear()
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "alert": f"no SQL alert named '{monitoring.names.drift_alert_name}': drift above "
        f"{monitoring.defaults.drift_threshold} would notify nobody"
    }


def test_verify_fails_on_an_alert_without_the_teams_destinations(
    deployed: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (alert,) = deployed.workspace.alerts.values()
    alert["evaluation"]["notification"] = {"subscriptions": [{"user_email": "someone@example.com"}]}
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["alert-destinations"]
    for destination in (*TEAM.destinations, *TEAM.emails):
        assert destination in failed_checks(out)["alert-destinations"]


def test_verify_fails_on_an_alert_with_another_threshold_or_warehouse(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    (alert,) = deployed.workspace.alerts.values()
    alert["evaluation"]["threshold"] = {"value": {"double_value": 0.9}}
    alert["warehouse_id"] = "0123456789abcdef"
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["alert"]
    message = failed_checks(out)["alert"]
    assert (
        f"warehouse_id='0123456789abcdef' (expected '{WAREHOUSE}', environments.acc.warehouse_id)" in message
    )
    assert (
        f"it fires when GREATER_THAN 0.9 (expected GREATER_THAN {monitoring.defaults.drift_threshold}"
        in message
    )


@pytest.mark.parametrize("job", ["pipeline", "monitoring"])
def test_verify_fails_on_a_job_without_the_teams_notifications(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
    job: str,
) -> None:
    name = monitoring.names.job_names[job]
    (settings,) = [s for s in deployed.workspace.jobs.values() if s["name"] == name]
    del settings["email_notifications"]
    settings["health"]["rules"] = []
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["notifications"]
    message = failed_checks(out)["notifications"]
    assert f"job '{name}': on_failure does not notify {', '.join(TEAM.emails)}" in message
    assert f"job '{name}': no health rule RUN_DURATION_SECONDS > {monitoring.max_run_seconds}" in message


def test_verify_fails_when_the_monitoring_job_is_missing(
    deployed: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monitoring: MonitoringTarget,
) -> None:
    name = monitoring.names.monitoring_job_name
    (job_id,) = [i for i, s in deployed.workspace.jobs.items() if s["name"] == name]
    del deployed.workspace.jobs[job_id]
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {"notifications": f"job '{name}' (monitoring) is not deployed"}


def test_verify_proves_a_serving_repos_monitor_on_its_unpacked_inference_table(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serving = tmp_path_factory.mktemp("serving") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(serving, {**EXAMPLE_ANSWERS, "project_kind": "serving"})
    bundle = load_bundle(serving, "acc")
    with healthy_workspace(bundle, monkeypatch, tmp_path) as fake:
        fake.workspace.add_job(deployed_job(bundle))
        monitoring = deploy_monitoring(fake.workspace, bundle)
        code, out = verify(serving, capsys)
    assert code == 0, out
    assert monitoring.monitored_table.endswith("_inference")
    assert json.loads(out)["monitor"]["table"] == monitoring.monitored_table


def test_verify_checks_no_monitor_or_alert_a_bundle_does_not_declare(
    server: FakeWorkspaceServer,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A repo without the example has neither; its job's notifications are still checked."""
    bare = tmp_path_factory.mktemp("bare") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(bare, {**EXAMPLE_ANSWERS, "include_example": False})
    assert not (bare / "resources" / "monitoring.yml").exists()
    server.workspace.add_job(deployed_job(load_bundle(bare, "acc")))
    code, out = verify(bare, capsys)
    assert code == 0, out
    assert {"monitor", "alert"}.isdisjoint(checks(out)) and checks(out)["notifications"]["ok"]
