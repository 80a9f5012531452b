"""`goldenpath databricks ...` in a rendered repo against the fake workspace, through the real databricks-sdk."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import PermissionsChange, Privilege
from databricks.sdk.service.serving import DataframeSplitInput

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
from fakes.databricks import FakeWorkspaceServer, Outcome, Workspace
from goldenpath.databricks.bundle import SERVING_INPUT_FILE, BundleError, BundleTarget, load_bundle
from goldenpath.databricks.deployed import deployed_endpoint_name
from goldenpath.databricks.smoke import parse_duration
from goldenpath.databricks.trace import TraceQueryError, classify
from goldenpath.naming import derive_names
from rendering import EXAMPLE_ANSWERS, copier_copy


@pytest.fixture
def summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file `$GITHUB_STEP_SUMMARY` names, as on a runner."""
    path = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    return path


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("databricks") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(path, EXAMPLE_ANSWERS)
    return path


@pytest.fixture(scope="module")
def acc(repo: Path) -> BundleTarget:
    return load_bundle(repo, "acc")


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
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 1
    assert list(checks(out)) == ["auth"] and "rejected the credentials" in checks(out)["auth"]["message"]


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
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 1 and "invalid_client" in checks(out)["auth"]["message"]

    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "right-secret")
    code, out, _ = run(repo, capsys, "databricks", "preflight", "--target", "acc", "--json")
    assert code == 0, out
    assert json.loads(out)["identity"] == ACC_SP


def test_a_refused_request_fails_the_command_with_the_reason(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.denied.add(f"/api/2.1/unity-catalog/effective-permissions/CATALOG/{acc.catalog}")
    code, out, err = run(repo, capsys, "databricks", "preflight", "--target", "acc")
    assert code == 1 and out == ""
    assert "failed the request" in err and "may not call" in err


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


# --- smoke ------------------------------------------------------------------------------
def smoke(repo: Path, capsys: pytest.CaptureFixture[str], timeout: str = "5") -> tuple[int, str, str]:
    return run(
        repo,
        capsys,
        "databricks",
        "smoke",
        "--target",
        "acc",
        "--timeout",
        timeout,
        "--poll-interval",
        "0.01",
        "--json",
    )


def test_smoke_success_prints_the_run_url(
    server: FakeWorkspaceServer,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    acc: BundleTarget,
    summary: Path,
) -> None:
    job_id = server.workspace.add_job(deployed_job(acc), Outcome("SUCCESS", polls=2))
    code, out, err = smoke(repo, capsys)
    assert code == 0, out
    result = json.loads(out)
    url = f"{server.url}/jobs/{job_id}/runs/{result['run_id']}"
    assert result["run_url"] == url and result["result"] == "SUCCESS"
    assert url in err and "RUNNING" in err  # progress lines while it runs
    assert url in summary.read_text()
    assert len(server.workspace.calls_to("POST", "/api/2.2/jobs/run-now")) == 1
    # A batch repo serves nothing: no endpoint in the report, no query.
    assert list(checks(out)) == ["run"] and "endpoint" not in result
    assert not [call for call in server.workspace.calls if call.path.startswith("/serving-endpoints/")]


def test_smoke_failure_shows_the_failing_tasks_error(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.add_job(
        deployed_job(acc), Outcome("FAILED", error="ValueError: no rows in acc_rtl.sales")
    )
    code, out, _ = smoke(repo, capsys)
    assert code == 1
    message = checks(out)["run"]["message"]
    assert "ended FAILED; task pipeline failed: ValueError: no rows in acc_rtl.sales" in message
    assert json.loads(out)["result"] == "FAILED"


def test_smoke_timeout_cancels_the_run(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    server.workspace.add_job(deployed_job(acc), Outcome("HANG"))
    code, out, _ = smoke(repo, capsys, timeout="0.2s")
    assert code == 1
    result = json.loads(out)
    assert result["result"] == "TIMEOUT" and "was cancelled" in checks(out)["run"]["message"]
    cancels = server.workspace.calls_to("POST", "/api/2.2/jobs/runs/cancel")
    assert [call.body["run_id"] for call in cancels] == [result["run_id"]]
    assert server.workspace.runs[result["run_id"]]["state"]["result_state"] == "CANCELED"


def test_smoke_needs_a_deployed_job(
    server: FakeWorkspaceServer, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = smoke(repo, capsys)
    assert code == 1 and list(checks(out)) == ["job"]
    assert not server.workspace.calls_to("POST", "/api/2.2/jobs/run-now")


def test_smoke_timeout_must_be_a_duration(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys, "databricks", "smoke", "--target", "acc", "--timeout", "soon")
    assert code == 2 and "30m" in err
    assert parse_duration("30m") == 1800 and parse_duration("1h") == 3600 and parse_duration("45") == 45


# --- smoke of a serving repo: the endpoint answers serving_input.json --------------------
@pytest.fixture(scope="module")
def serving_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serving") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(path, {**EXAMPLE_ANSWERS, "project_kind": "serving"})
    return path


@pytest.fixture
def serving(serving_repo: Path, tmp_path: Path) -> Path:
    """A copy of the serving repo each test may edit."""
    return Path(shutil.copytree(serving_repo, tmp_path / serving_repo.name))


def serving_job(bundle: BundleTarget, rollout: bool = True) -> dict[str, Any]:
    """A serving job as deployed: train, then roll the endpoint out to the model."""
    job = deployed_job(bundle)
    if rollout:
        task = copy.deepcopy(job["tasks"][0])
        task["task_key"] = "rollout"
        task["python_wheel_task"]["parameters"] = [
            *("--catalog", bundle.catalog, "--schema", bundle.schema, "--model-name", bundle.model_name),
            *("--rollout", "--endpoint", str(bundle.endpoint_name), "--scale-to-zero", "true"),
        ]
        job["tasks"].append(task)
    return job


def request_rows(repo: Path) -> dict[str, Any]:
    split: dict[str, Any] = json.loads((repo / SERVING_INPUT_FILE).read_text())["dataframe_split"]
    return split


def queries(server: FakeWorkspaceServer, endpoint: str | None) -> list[dict[str, Any]]:
    return [
        call.body for call in server.workspace.calls_to("POST", f"/serving-endpoints/{endpoint}/invocations")
    ]


def test_the_serving_bundle_names_its_endpoint_and_request(serving_repo: Path, acc: BundleTarget) -> None:
    bundle = load_bundle(serving_repo, "acc")
    assert bundle.endpoint_name == derive_names(bundle.name, SETTINGS).endpoint_name
    assert bundle.serving_input == serving_repo / SERVING_INPUT_FILE and bundle.serving_input.is_file()
    assert acc.endpoint_name is None


def test_a_second_endpoint_leaves_the_projects_own_under_its_key(serving: Path) -> None:
    """The endpoint is the one under resources.model_serving_endpoints.serving; another one is ignored,
    and with several and none under that key the bundle is refused, not guessed."""
    own = load_bundle(serving, "acc").endpoint_name
    extra = serving / "resources" / "extra.yml"
    extra.write_text("resources:\n  model_serving_endpoints:\n    extra:\n      name: other\n", "utf-8")
    assert load_bundle(serving, "acc").endpoint_name == own
    declared = serving / "resources" / "serving.yml"
    declared.write_text(declared.read_text("utf-8").replace("\n    serving:\n", "\n    main:\n"), "utf-8")
    with pytest.raises(
        BundleError, match=r"2 model serving endpoints \(extra, main\).*model_serving_endpoints\.serving"
    ):
        load_bundle(serving, "acc")


def test_a_dev_deploy_prefixes_the_endpoint_like_the_cli(
    server: FakeWorkspaceServer, serving_repo: Path
) -> None:
    dev = load_bundle(serving_repo, "dev")
    client = WorkspaceClient(host=server.url, token=server.token)
    server.workspace.tokens[server.token] = "Jane.Doe@example.com"
    name = deployed_endpoint_name(client, dev, str(dev.endpoint_name))
    assert name == f"dev_jane_doe_{dev.endpoint_name}"


def test_serving_smoke_runs_the_rollout_then_queries_with_the_repos_request(
    server: FakeWorkspaceServer,
    serving: Path,
    capsys: pytest.CaptureFixture[str],
    summary: Path,
) -> None:
    bundle = load_bundle(serving, "acc")
    endpoint = str(bundle.endpoint_name)
    server.workspace.add_endpoint(endpoint)  # as `bundle deploy` leaves it: serving nothing yet
    server.workspace.add_job(serving_job(bundle))
    code, out, err = smoke(serving, capsys)

    assert code == 0, out
    result = json.loads(out)
    assert list(checks(out)) == ["run", "endpoint"]
    assert result["endpoint"] == endpoint and result["predictions"] == 3
    assert result["endpoint_url"] == f"{server.url}/ml/endpoints/{endpoint}"
    assert queries(server, endpoint) == [{"dataframe_split": request_rows(serving)}]
    [served] = server.workspace.endpoints[endpoint]["served_entities"]
    assert served["entity_name"] == bundle.model_full_name  # the run's rollout task did that
    assert f"[`{endpoint}`]({result['endpoint_url']}): 3 predictions" in summary.read_text()
    assert "3 rows of serving_input.json" in err


@pytest.mark.parametrize(
    ("response", "answered"),
    [
        ({"predictions": [0.5]}, "answered 1 predictions"),
        ({"outputs": [0.5, 0.6, 0.7]}, "answered no 'predictions' (response: {\"outputs\""),
        ({"predictions": {"0": 0.5}}, "answered 'predictions' that is a dict, not a list"),
    ],
)
def test_serving_smoke_fails_on_a_wrong_response_shape(
    server: FakeWorkspaceServer,
    serving: Path,
    capsys: pytest.CaptureFixture[str],
    response: dict[str, Any],
    answered: str,
) -> None:
    bundle = load_bundle(serving, "acc")
    server.workspace.add_endpoint(str(bundle.endpoint_name))
    server.workspace.endpoint_responses[str(bundle.endpoint_name)] = response
    server.workspace.add_job(serving_job(bundle))
    code, out, _ = smoke(serving, capsys)

    assert code == 1
    endpoint = checks(out)["endpoint"]
    assert checks(out)["run"]["ok"] and not endpoint["ok"]
    assert answered in endpoint["message"]
    assert (
        "expected 'predictions' with one entry for each of the 3 rows of serving_input.json"
        in endpoint["message"]
    )
    assert "signature" in endpoint["fix"]


@pytest.mark.parametrize(
    ("endpoint_exists", "error"),
    [
        (True, "INVALID_PARAMETER_VALUE: Endpoint '{name}' is not ready: it serves no model yet"),
        (False, "RESOURCE_DOES_NOT_EXIST: Endpoint with name '{name}' does not exist."),
    ],
)
def test_serving_smoke_fails_when_the_endpoint_refuses_the_query(
    server: FakeWorkspaceServer,
    serving: Path,
    capsys: pytest.CaptureFixture[str],
    endpoint_exists: bool,
    error: str,
) -> None:
    """A job whose run never rolls out (here: no rollout task) leaves an endpoint that cannot answer."""
    bundle = load_bundle(serving, "acc")
    name = str(bundle.endpoint_name)
    if endpoint_exists:
        server.workspace.add_endpoint(name)
    server.workspace.add_job(serving_job(bundle, rollout=False))
    code, out, _ = smoke(serving, capsys)

    assert code == 1
    endpoint = checks(out)["endpoint"]
    assert not endpoint["ok"]
    assert f"querying endpoint {name!r} failed: {error.format(name=name)}" in endpoint["message"]
    assert f"{server.url}/ml/endpoints/{name}" in endpoint["fix"] and "rollout task" in endpoint["fix"]
    assert len(queries(server, name)) == 1


def test_a_rollout_to_a_missing_endpoint_fails_the_run_and_queries_nothing(
    server: FakeWorkspaceServer, serving: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = load_bundle(serving, "acc")
    server.workspace.add_job(serving_job(bundle))
    code, out, _ = smoke(serving, capsys)

    assert code == 1 and list(checks(out)) == ["run"]
    message = checks(out)["run"]["message"]
    assert "ended FAILED; task rollout failed: RESOURCE_DOES_NOT_EXIST: Endpoint with name" in message
    assert queries(server, bundle.endpoint_name) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "serving_input.json is missing: the smoke query sends it to the endpoint"),
        ("{not json", "serving_input.json is not readable JSON"),
        ('{"dataframe_records": [{"age": 1}]}', "has no dataframe_split.columns (a list of feature names)"),
        ('{"dataframe_split": {"columns": ["age"], "data": []}}', "has no dataframe_split.data"),
        (
            '{"dataframe_split": {"columns": ["age", "sex"], "data": [[1, 2], [3]]}}',
            "row 1 of dataframe_split.data does not hold one value for each of the 2 columns",
        ),
    ],
)
def test_a_missing_or_broken_serving_input_fails_before_the_run(
    server: FakeWorkspaceServer,
    serving: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    problem: str,
) -> None:
    bundle = load_bundle(serving, "acc")
    server.workspace.add_endpoint(str(bundle.endpoint_name))
    server.workspace.add_job(serving_job(bundle))
    request = serving / SERVING_INPUT_FILE
    if content is None:
        request.unlink()
    else:
        request.write_text(content, encoding="utf-8")
    code, out, _ = smoke(serving, capsys)

    assert code == 1 and list(checks(out)) == ["endpoint"]
    endpoint = checks(out)["endpoint"]
    assert str(request) in endpoint["message"] and problem in endpoint["message"]
    assert '{"dataframe_split": {"columns": [<feature>, ...]' in endpoint["fix"]
    assert not server.workspace.calls_to("POST", "/api/2.2/jobs/run-now")
    assert queries(server, bundle.endpoint_name) == []


# --- trace ------------------------------------------------------------------------------
@pytest.fixture
def history(server: FakeWorkspaceServer, acc: BundleTarget) -> dict[str, Any]:
    """Two deploys' runs in acc: each job run logged an MLflow run that registered a model version."""
    ws: Workspace = server.workspace
    job_id = ws.add_job(deployed_job(acc))
    chain: dict[str, Any] = {"job_id": job_id}
    for sha in (SHA, "e" * 40):
        job_run = ws.add_job_run(job_id)
        tags = {"git_sha": sha, "databricks_job_id": str(job_id), "databricks_job_run_id": str(job_run)}
        mlflow_run = ws.add_mlflow_run(acc.experiment or "", {"project": acc.name, "env": "acc", **tags})
        version = ws.add_model_version(acc.model_full_name, mlflow_run)
        chain[sha] = {"job_run": job_run, "mlflow_run": mlflow_run, "version": version}
    return chain


def test_trace_from_a_commit_prints_the_chain(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    code, out, _ = run(repo, capsys, "trace", SHA)
    assert code == 0, out
    link = history[SHA]
    row = next(line for line in out.splitlines() if line.startswith(SHA[:12]))
    assert row.split() == [
        SHA[:12],
        str(link["job_run"]),
        "SUCCESS",
        link["mlflow_run"],
        f"{acc.model_full_name}/1",
    ]
    assert f"/runs/{link['job_run']}" in out
    assert history["e" * 40]["mlflow_run"] not in out


def test_trace_a_short_sha_as_json(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "databricks", "trace", SHA[:8], "--json")
    assert code == 0
    result = json.loads(out)
    assert result["kind"] == "git-sha"
    assert [link["mlflow_run_id"] for link in result["links"]] == [history[SHA]["mlflow_run"]]


def test_trace_back_from_a_model_version(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    second = history["e" * 40]
    for query in (f"{acc.model_full_name}/{second['version']}", f"{acc.model_name}/{second['version']}"):
        code, out, _ = run(repo, capsys, "trace", query, "--json")
        assert code == 0, query
        (link,) = json.loads(out)["links"]
        assert link["git_sha"] == "e" * 40 and link["job_run_id"] == str(second["job_run"])
        assert link["job_id"] == str(history["job_id"]) and link["job_run_state"] == "SUCCESS"


def test_trace_back_from_a_job_run(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "trace", str(history[SHA]["job_run"]), "--json")
    assert code == 0
    (link,) = json.loads(out)["links"]
    assert link["git_sha"] == SHA and link["mlflow_run_id"] == history[SHA]["mlflow_run"]


def test_trace_finds_nothing_for_an_unknown_commit(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "trace", "abcdef1")
    assert code == 1 and "nothing in the workspace traces to abcdef1" in out


def test_trace_refuses_what_it_cannot_read(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TraceQueryError):
        classify("not a thing!")
    assert (
        classify("123") == "job-run"
        and classify("abc1234") == "git-sha"
        and classify("m/2") == "model-version"
    )
    code, _, err = run(repo, capsys, "trace", "what?")
    assert code == 2 and "git sha" in err


def test_the_fake_runs_standalone_from_a_seed_file(tmp_path: Path) -> None:
    """What a manual act run or another tool starts: `python -m fakes.databricks --seed ...`."""
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "catalogs": ["acc_rtl"],
                "tokens": {"dapi-seeded": "someone"},
                "endpoints": {"demand": {"served_entities": [{"entity_name": "a.b.m", "entity_version": 2}]}},
                "endpoint_responses": {"demand": {"predictions": [0.5, 0.5]}},
            }
        ),
        encoding="utf-8",
    )
    tests = Path(__file__).parent
    with subprocess.Popen(
        [sys.executable, "-m", "fakes.databricks", "--seed", str(seed)],
        cwd=tests,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            client = WorkspaceClient(host=url, token="dapi-seeded")
            assert client.current_user.me().user_name == "someone"
            assert client.catalogs.get("acc_rtl").name == "acc_rtl"
            served = client.serving_endpoints.get("demand").config
            assert served is not None and served.served_entities
            assert served.served_entities[0].entity_version == "2"
            request = DataframeSplitInput(columns=["x", "y"], data=[[1.0, 2.0]])
            assert client.serving_endpoints.query("demand", dataframe_split=request).predictions == [0.5, 0.5]
        finally:
            process.terminate()
