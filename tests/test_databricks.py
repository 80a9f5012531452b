"""`goldenpath databricks` preflight and verify in a rendered repo against the fake workspace, through the real
databricks-sdk (the monitoring checks: test_databricks_monitoring.py)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import PermissionsChange, Privilege

from databricks_env import (
    ACC_SP,
    SETTINGS,
    SHA,
    VERSION,
    checks,
    deploy_monitoring,
    deployed_job,
    failed_checks,
    healthy_workspace,
    run,
)
from fakes.databricks import FakeWorkspaceServer
from goldenpath.databricks.bundle import BundleError, BundleTarget, load_bundle


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, acc: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """A healthy acc workspace holding the monitoring a deploy of acc creates; tests add the job."""
    with healthy_workspace(acc, monkeypatch, tmp_path) as fake:
        deploy_monitoring(fake.workspace, acc)
        yield fake


# --- reading the bundle --------------------------------------------------------------
def test_the_bundle_target_resolves_like_the_cli(acc: BundleTarget) -> None:
    assert acc.job_name == "rtl-forecasting-demand-weekly-pipeline"
    assert acc.schema_full_name == "acc_rtl.forecasting_demand_weekly"
    assert acc.service_principal == ACC_SP and not acc.development
    assert acc.experiment == "/Shared/rtl-forecasting-demand-weekly-acc"
    assert acc.package_name == "rtl_forecasting_demand_weekly"
    assert acc.expected_tags(SHA)["git_sha"] == SHA and acc.expected_tags(SHA)["env"] == "acc"
    assert acc.node_types == (SETTINGS.node_type_id,)


def test_an_unknown_target_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BundleError, match="choose one of dev, acc, prd"):
        load_bundle(repo, "staging")
    code, _, err = run(repo, capsys, "databricks", "preflight", "--target", "staging")
    assert code == 2 and "staging" in err


def test_outside_a_generated_repo_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        tmp_path, capsys, "databricks", "verify", "--target", "acc", "--git-sha", SHA, "--version", "1"
    )
    assert code == 2 and "no databricks.yml" in err


# --- preflight ------------------------------------------------------------------------
def test_preflight_passes_on_a_ready_workspace(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["ok"] and result["identity"] == ACC_SP
    assert set(checks(out)) == {
        "auth",
        "run_as",
        "catalog",
        "catalog-grants",
        "schema",
        "schema-grants",
        "node-type",
        "spark-version",
        "warehouse",
        "warehouse-use",
        "output-schema",
    }
    assert server.url in err  # progress on stderr names the workspace


def test_acceptance_missing_grant_reported_with_its_fix_then_granted(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    held = server.workspace.grants[("schema", acc.schema_full_name)][ACC_SP]
    held.discard("CREATE_MODEL")
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 1
    fix = f"GRANT CREATE MODEL ON SCHEMA acc_rtl.forecasting_demand_weekly TO `{ACC_SP}`"
    assert (
        f"FAIL schema-grants: {ACC_SP} lacks CREATE MODEL on schema acc_rtl.forecasting_demand_weekly" in out
    )
    assert f"fix: {fix}" in out

    # The platform team runs the grant (here through the SDK, as `GRANT` would); preflight passes.
    admin = WorkspaceClient(host=server.url, token=server.token)
    admin.grants.update(
        "schema",
        acc.schema_full_name,
        changes=[PermissionsChange(principal=ACC_SP, add=[Privilege.CREATE_MODEL])],
    )
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 0, out
    assert "all checks passed" in out


def test_grants_inherited_from_the_catalog_count(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    del server.workspace.grants[("schema", acc.schema_full_name)]
    server.workspace.grant("catalog", acc.catalog, ACC_SP, "ALL_PRIVILEGES")
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 0, out


def test_preflight_rejected_credentials(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-revoked")
    code, out, err = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 2 and out == ""  # running again cannot help
    assert f"{server.url} refused the credentials" in err and "dapi-revoked" not in err


def test_preflight_oauth_m2m_with_a_wrong_secret(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CI auth: client id and secret, exchanged for a token at the workspace's OAuth endpoint."""
    server.workspace.oauth_clients[ACC_SP] = "right-secret"
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", ACC_SP)
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "wrong-secret")
    code, out, err = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 2 and "invalid_client" in err and "wrong-secret" not in err

    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "right-secret")
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 0, out
    assert json.loads(out)["identity"] == ACC_SP


def test_a_refused_request_fails_the_command_with_the_reason(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.denied.add(f"/api/2.1/unity-catalog/effective-permissions/CATALOG/{acc.catalog}")
    code, out, err = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 2 and out == ""
    assert f"{server.url} denied the request" in err and "may not call" in err


def test_preflight_without_any_auth_is_a_config_error(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    monkeypatch.setenv("DATABRICKS_AUTH_TYPE", "pat")
    code, _, err = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 2 and "cannot configure Databricks auth" in err and "--profile" in err


@pytest.mark.parametrize(
    ("break_workspace", "check", "message", "fix"),
    [
        (
            lambda ws, b: ws.service_principals.pop(ACC_SP),
            "run_as",
            f"service principal {ACC_SP} (run_as) is not in this workspace",
            f"add service principal {ACC_SP} to the workspace",
        ),
        (
            lambda ws, b: ws.service_principals[ACC_SP].update(active=False),
            "run_as",
            f"service principal {ACC_SP} (run_as) is deactivated",
            f"activate service principal {ACC_SP}",
        ),
        (
            lambda ws, b: ws.catalogs.discard(b.catalog),
            "catalog",
            "catalog acc_rtl does not exist",
            "CREATE CATALOG acc_rtl",
        ),
        (
            lambda ws, b: ws.grants[("catalog", b.catalog)].pop(ACC_SP),
            "catalog-grants",
            f"{ACC_SP} lacks USE CATALOG on catalog acc_rtl",
            f"GRANT USE CATALOG ON CATALOG acc_rtl TO `{ACC_SP}`",
        ),
        (
            lambda ws, b: ws.schemas.discard(b.schema_full_name),
            "schema",
            f"schema acc_rtl.forecasting_demand_weekly does not exist and {ACC_SP} may not create it",
            f"CREATE SCHEMA acc_rtl.forecasting_demand_weekly; or GRANT CREATE SCHEMA ON CATALOG acc_rtl TO `{ACC_SP}`",
        ),
        (
            lambda ws, b: ws.grants.pop(("schema", b.schema_full_name)),
            "schema-grants",
            f"{ACC_SP} lacks USE SCHEMA, CREATE MODEL, CREATE TABLE on schema acc_rtl.forecasting_demand_weekly",
            f"GRANT USE SCHEMA, CREATE MODEL, CREATE TABLE ON SCHEMA acc_rtl.forecasting_demand_weekly TO `{ACC_SP}`",
        ),
        (
            lambda ws, b: ws.node_types.remove(b.node_types[0]),
            "node-type",
            f"node type {SETTINGS.node_type_id} does not exist in this workspace",
            "set compute.node_type_id in goldenpath.yml to one of Standard_DS3_v2",
        ),
        (
            lambda ws, b: ws.spark_versions.remove(b.spark_versions[0]),
            "spark-version",
            f"Spark version {SETTINGS.python_runtimes['3.11']} does not exist in this workspace",
            "set python.runtimes in goldenpath.yml to one of 14.3.x-scala2.12",
        ),
    ],
    ids=[
        "sp-missing",
        "sp-inactive",
        "catalog",
        "catalog-grant",
        "schema",
        "schema-grants",
        "node-type",
        "spark",
    ],
)
def test_each_preflight_failure_says_what_is_missing_and_the_fix(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    acc: BundleTarget,
    break_workspace: Any,
    check: str,
    message: str,
    fix: str,
) -> None:
    break_workspace(server.workspace, acc)
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 1
    failed = {name: c for name, c in checks(out).items() if not c["ok"]}
    # The monitor writes its metric tables to the project's schema too.
    also = ["output-schema"] if check == "schema-grants" else []
    assert list(failed) == [check, *also], out
    assert failed[check]["message"] == message
    assert failed[check]["fix"].startswith(fix)


def test_a_missing_schema_is_fine_when_the_sp_may_create_it(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.schemas.discard(acc.schema_full_name)
    server.workspace.grant("catalog", acc.catalog, ACC_SP, "CREATE_SCHEMA")
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 0, out
    assert "will create it" in checks(out)["schema"]["message"] and "schema-grants" not in checks(out)


def test_preflight_writes_the_step_summary(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    summary: Path,
) -> None:
    server.workspace.catalogs.discard("acc_rtl")
    assert run(repo, capsys, "databricks", "preflight", "--target", "acc")[0] == 1
    assert (
        "| catalog | **failed**: catalog acc_rtl does not exist | `CREATE CATALOG acc_rtl"
        in summary.read_text()
    )


# --- verify -----------------------------------------------------------------------------
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


def test_verify_passes_for_the_job_this_deploy_wrote(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    job_id = server.workspace.add_job(deployed_job(acc))
    code, out = verify(repo, capsys)
    assert code == 0, out
    result = json.loads(out)
    assert result["job_id"] == job_id and result["job_url"] == f"{server.url}/jobs/{job_id}"
    assert result["tags"]["git_sha"] == SHA and result["run_as"] == ACC_SP and result["version"] == VERSION


def test_verify_catches_a_wrong_git_sha(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.add_job(deployed_job(acc, git_sha="f" * 40))
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "tags": f"job tags differ from the bundle: git_sha={'f' * 40!r} (expected {SHA!r})"
    }


def test_verify_catches_a_missing_tag(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    job = deployed_job(acc)
    del job["tags"]["cost_center"]
    server.workspace.add_job(job)
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "tags": "job tags differ from the bundle: cost_center missing (expected 'CC-1234')"
    }


def test_verify_catches_a_wrong_run_as(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    job = deployed_job(acc)
    job["run_as"] = {"user_name": "someone@example.com"}
    server.workspace.add_job(job)
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "run_as": f"job runs as someone@example.com, not the target's service principal {ACC_SP}"
    }


def test_verify_catches_a_wrong_wheel_version(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.add_job(deployed_job(acc, version="0.0.9"))
    code, out = verify(repo, capsys)
    assert code == 1
    assert failed_checks(out) == {
        "wheel": f"job installs {acc.package_name}-0.0.9-py3-none-any.whl (0.0.9), expected version {VERSION}"
    }


def test_verify_catches_a_wrong_entry_point(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    job = deployed_job(acc)
    job["tasks"][0]["python_wheel_task"]["entry_point"] = "other"
    server.workspace.add_job(job)
    code, out = verify(repo, capsys)
    assert code == 1 and list(failed_checks(out)) == ["entry-point"]


@pytest.mark.parametrize("second_entry_point", ["same", "other"])
def test_verify_checks_every_wheel_task_of_a_serving_job(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    acc: BundleTarget,
    second_entry_point: str,
) -> None:
    """A serving job trains, then rolls out: two wheel tasks, both the package's entry point."""
    job = deployed_job(acc)
    rollout = copy.deepcopy(job["tasks"][0])
    rollout["task_key"] = "rollout"
    if second_entry_point == "other":
        rollout["python_wheel_task"]["entry_point"] = "other"
    job["tasks"].append(rollout)
    server.workspace.add_job(job)
    code, out = verify(repo, capsys)
    assert (code, list(failed_checks(out))) == (
        (0, []) if second_entry_point == "same" else (1, ["entry-point"])
    )


def test_verify_catches_a_duplicate_job(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    old = server.workspace.add_job(deployed_job(acc))
    new = server.workspace.add_job(deployed_job(acc))
    code, out = verify(repo, capsys)
    assert code == 1
    job = checks(out)["job"]
    assert not job["ok"] and f"ids {old}, {new}" in job["message"] and "renamed bundle" in job["message"]
    assert f"databricks jobs delete {new}" in job["fix"]


def test_verify_without_a_deployed_job(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = verify(repo, capsys)
    assert code == 1 and failed_checks(out) == {
        "job": "no job named 'rtl-forecasting-demand-weekly-pipeline' in the workspace",
        "notifications": "job 'rtl-forecasting-demand-weekly-pipeline' (pipeline) is not deployed",
    }
