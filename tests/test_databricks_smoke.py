"""`goldenpath databricks smoke` in a rendered repo against the fake workspace: the run, and a serving
repo's endpoint answering its request."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from databricks_env import (
    SETTINGS,
    checks,
    deployed_job,
    healthy_workspace,
    run,
)
from fakes.databricks import FakeWorkspaceServer, Outcome
from goldenpath.databricks.bundle import SERVING_INPUT_FILE, BundleError, BundleTarget, load_bundle
from goldenpath.databricks.deployed import deployed_endpoint_name
from goldenpath.databricks.smoke import parse_duration
from goldenpath.naming import derive_names
from rendering import EXAMPLE_ANSWERS, copier_copy


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, acc: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """A healthy acc workspace; tests add the job."""
    with healthy_workspace(acc, monkeypatch, tmp_path) as fake:
        yield fake


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
