"""A generated repo's deploy.yml, run with act, deploys through the central deploy workflow.

The Databricks CLI is the fake from tests/e2e/doubles/setup-cli: it checks the
bundle (schema, target, variables, wheel build), records each call and writes
the job into the fake Databricks workspace (tests/fakes/databricks.py), so these
tests see which commands the central workflow ran, for which target, with which
credentials, and that `goldenpath databricks preflight` and `verify` ran against
that workspace around the deploy. A run takes about 30 s.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from e2e import experiment
from e2e.harness import ActRun, GeneratedRepo, Harness
from fakes.databricks import FakeWorkspaceServer
from goldenpath.databricks.bundle import SERVING_INPUT_FILE
from goldenpath.naming import derive_names

pytestmark = pytest.mark.e2e

WORKFLOW = "deploy.yml"


def fake_secrets(harness: Harness) -> dict[str, str]:
    """A distinct made-up value for every environment's secret names in goldenpath.yml."""
    values = {}
    for name, environment in harness.settings.environments.items():
        if environment.deployment is not None:
            values[environment.deployment.client_id_secret] = f"e2e-{name}-client-id"
            values[environment.deployment.client_secret_secret] = f"e2e-{name}-client-secret"
    return values


PIPELINE_JOB = "rtl-forecasting-demand-weekly-pipeline"


def bundle_calls(run: ActRun) -> list[list[str]]:
    return [call["argv"] for call in run.databricks_calls() if call["argv"][:1] == ["bundle"]]


def flag_values(argv: list[str], *flags: str) -> list[str]:
    """Values of a repeated flag, in `--flag value` form (what the central action passes)."""
    return [argv[index + 1] for index, arg in enumerate(argv[:-1]) if arg in flags]


def only_job(run: ActRun) -> str:
    assert len(run.jobs) == 1, f"{run.jobs}\n{run.tail()}"
    return next(iter(run.jobs))


def deployed_job(workspace: FakeWorkspaceServer, harness: Harness) -> dict[str, Any]:
    """The training job (the bundle also deploys the scheduled monitoring job)."""
    (job,) = [
        s
        for s in workspace.workspace.jobs.values()
        if s["tags"]["project"] == "rtl-forecasting-demand-weekly" and s["name"] == PIPELINE_JOB
    ]
    return job


def assert_deployed(
    run: ActRun,
    harness: Harness,
    environment: str,
    sha: str,
    workspace: FakeWorkspaceServer,
    smoke_run: bool = False,
) -> None:
    """validate, preflight, deploy, verify (and smoke, when asked) of `environment`'s target,
    with that environment's credentials."""
    assert run.returncode == 0, run.tail()
    job = only_job(run)
    assert job.startswith(f"{environment}/") and run.jobs[job] == "succeeded", run.jobs
    validate, deploy = bundle_calls(run)
    assert validate[:2] == ["bundle", "validate"] and deploy[:2] == ["bundle", "deploy"]
    assert flag_values(validate, "-t", "--target") == [environment]
    assert flag_values(deploy, "-t", "--target") == [environment]
    assert f"git_sha={sha}" in flag_values(deploy, "--var")

    steps = run.steps(job)
    for step in (
        "goldenpath databricks preflight",
        "databricks bundle deploy",
        "goldenpath databricks verify",
    ):
        assert steps.get(step) == "Success", steps
    if smoke_run:
        assert steps.get("goldenpath databricks smoke") == "Success", steps
    else:
        assert "goldenpath databricks smoke" not in steps  # smoke-run defaults to false
    deployed = deployed_job(workspace, harness)
    assert deployed["tags"]["git_sha"] == sha and deployed["tags"]["env"] == environment

    secret = f"e2e-{environment}-client-secret".encode()
    for call in run.databricks_calls():
        auth: dict[str, Any] = call["auth"]
        assert auth["DATABRICKS_HOST"] == workspace.url
        assert auth["DATABRICKS_CLIENT_ID"] == f"e2e-{environment}-client-id"
        assert auth["DATABRICKS_CLIENT_SECRET"] == "sha256:" + hashlib.sha256(secret).hexdigest()


@pytest.fixture(scope="module")
def deploy_push(harness: Harness, deployable: GeneratedRepo) -> ActRun:
    return harness.run(deployable, WORKFLOW, "push", secrets=fake_secrets(harness))


def test_push_to_main_validates_checks_deploys_and_verifies_the_acc_target(
    deploy_push: ActRun, harness: Harness, deployable: GeneratedRepo, workspace: FakeWorkspaceServer
) -> None:
    assert_deployed(deploy_push, harness, "acc", deployable.head(), workspace)
    # The fake CLI checked databricks.yml and resources/*.yml against the bundle schema.
    job_lines = [
        line for line in deploy_push.text.splitlines() if line.startswith(f"[{only_job(deploy_push)}]")
    ]
    assert sum("ok -- validation done" in line for line in job_lines) == 2
    assert any("Validation OK!" in line for line in job_lines)


def summary_of(run: ActRun) -> str:
    # act echoes what a step appends to $GITHUB_STEP_SUMMARY as `Summary - <text>`.
    start = run.text.find("Summary - ")
    assert start != -1, run.tail()
    return run.text[start:]


def test_deploy_summary_shows_the_verified_job(
    deploy_push: ActRun, deployable: GeneratedRepo, workspace: FakeWorkspaceServer
) -> None:
    summary = summary_of(deploy_push)
    (job_id,) = [
        i
        for i, s in workspace.workspace.jobs.items()
        if s["tags"]["env"] == "acc" and s["name"] == PIPELINE_JOB
    ]
    assert f"[rtl-forecasting-demand-weekly-pipeline]({workspace.url}/jobs/{job_id})" in summary
    assert f"`git_sha={deployable.head()}`" in summary
    assert "Databricks bundle deployed and verified" in summary and "smoke-run: false" in summary


def test_a_release_tag_deploys_the_prd_target(
    harness: Harness, deployable: GeneratedRepo, workspace: FakeWorkspaceServer
) -> None:
    run = harness.run(deployable, WORKFLOW, "push", ref="refs/tags/v0.1.0", secrets=fake_secrets(harness))
    assert_deployed(run, harness, "prd", deployable.head(), workspace)


def test_a_wrong_tag_fails_the_deploy_at_verify(
    harness: Harness, deployable: GeneratedRepo, workspace: FakeWorkspaceServer, tmp_path: Path
) -> None:
    repo = deployable.fork(tmp_path)
    job_file = repo.path / "resources" / "pipeline_job.yml"
    text, count = re.subn(r"(?m)^(\s+git_sha: ).*$", r"\g<1>stale", job_file.read_text(encoding="utf-8"))
    assert count == 1
    job_file.write_text(text, encoding="utf-8")
    sha = repo.commit("A hard-coded git_sha tag")
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))

    assert run.returncode != 0, run.tail()
    steps = run.steps(only_job(run))
    assert (
        steps["databricks bundle deploy"] == "Success" and steps["goldenpath databricks verify"] == "Failure"
    )
    assert f"git_sha='stale' (expected '{sha}')" in run.text
    assert "Databricks bundle deploy FAILED verification" in summary_of(run)


def test_a_bundle_that_breaks_the_schema_is_not_deployed(
    harness: Harness, deployable: GeneratedRepo, tmp_path: Path
) -> None:
    repo = deployable.fork(tmp_path)
    bundle = repo.path / "databricks.yml"
    text = bundle.read_text(encoding="utf-8")
    assert "\nbundle:\n" in text
    bundle.write_text(text.replace("\nbundle:\n", "\nbundle:\n  colour: blue\n", 1), encoding="utf-8")
    repo.commit("A bundle setting Databricks does not know")
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))

    assert run.returncode != 0, run.tail()
    assert [argv[:2] for argv in bundle_calls(run)] == [["bundle", "validate"]]
    assert "colour" in run.text and "Schema validation errors were encountered" in run.text


def test_deploy_without_credentials_stops_before_the_cli(harness: Harness, deployable: GeneratedRepo) -> None:
    run = harness.run(deployable, WORKFLOW, "push")
    assert run.returncode != 0, run.tail()
    assert run.databricks_calls() == []
    errors = [line for line in run.text.splitlines() if "::error" in line and "echo" not in line]
    assert any("DATABRICKS_CLIENT_ID" in line for line in errors), errors or run.tail()


# act has no OIDC token service: a job's `permissions: id-token: write` gives it
# nothing. The harness hands the steps the two variables the runner would set,
# pointing at the fake workspace's stand-in for the runner's token service; the
# SDK (goldenpath) exchanges that token at the fake workspace.
def fake_oidc_runner(workspace: FakeWorkspaceServer) -> dict[str, str]:
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{workspace.url}/github-oidc-token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "goldenpath-e2e-fake-request-token",
    }


def test_an_oidc_repo_deploys_acc_through_the_oidc_workflow(
    harness: Harness, tmp_path_factory: pytest.TempPathFactory, workspace: FakeWorkspaceServer
) -> None:
    repo = GeneratedRepo.create(tmp_path_factory.mktemp("oidc"), harness.settings, {"auth_mode": "oidc"})
    repo.point_at_workspace(harness.settings, workspace.url)
    acc = harness.settings.environments["acc"].deployment
    assert acc is not None
    client_id = acc.client_id_secret
    exchanges = len(workspace.workspace.calls_to("POST", "/oidc/v1/token"))
    run = harness.run(
        repo, WORKFLOW, "push", secrets={client_id: "e2e-acc-client-id"}, env=fake_oidc_runner(workspace)
    )

    assert run.returncode == 0, run.tail()
    assert (harness.settings.release_line, ".github/workflows/reusable-deploy-oidc.yml") in run.resolved(
        harness.settings.central_slug
    )
    assert [argv[:2] for argv in bundle_calls(run)] == [["bundle", "validate"], ["bundle", "deploy"]]
    grants = workspace.workspace.calls_to("POST", "/oidc/v1/token")[exchanges:]
    assert grants and all(c.body["grant_type"].endswith("token-exchange") for c in grants)
    for call in run.databricks_calls():
        assert call["auth"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
        assert call["auth"]["DATABRICKS_CLIENT_ID"] == "e2e-acc-client-id"
        assert call["auth"]["DATABRICKS_CLIENT_SECRET"] is None


def ask_for_a_smoke_run(repo: GeneratedRepo) -> None:
    """The one line a repo adds to its caller: `smoke-run: true` for the acc deploy."""
    caller = repo.path / ".github" / "workflows" / "deploy.yml"
    text, count = re.subn(
        r"(?m)^(\s+)target: acc$", r"\g<0>\n\g<1>smoke-run: true", caller.read_text("utf-8")
    )
    assert count == 1
    caller.write_text(text, encoding="utf-8")
    repo.commit("Smoke-run the acc deploy")


def test_smoke_run_runs_the_deployed_job_and_links_the_run(
    harness: Harness, deployable: GeneratedRepo, workspace: FakeWorkspaceServer, tmp_path: Path
) -> None:
    repo = deployable.fork(tmp_path)
    ask_for_a_smoke_run(repo)
    runs_before = set(workspace.workspace.runs)
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))

    assert run.returncode == 0, run.tail()
    assert run.steps(only_job(run))["goldenpath databricks smoke"] == "Success"
    (run_id,) = set(workspace.workspace.runs) - runs_before
    smoke = workspace.workspace.runs[run_id]
    assert smoke["state"]["result_state"] == "SUCCESS"
    assert f"SUCCESS ([run page]({smoke['run_page_url']}))" in summary_of(run)
    assert not [call for call in workspace.workspace.calls if call.path.endswith("/invocations")]


def test_a_serving_repo_deploys_through_the_same_caller_and_its_endpoint_answers(
    harness: Harness,
    generated: GeneratedRepo,
    workspace: FakeWorkspaceServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The serving kind's bundle holds more resources; its deploy.yml and the central workflow are
    the same. With smoke-run, the job's run rolls the endpoint out and the endpoint answers the
    repo's serving_input.json. The repo runs an A/B test in acc, so the rollout serves the router
    and the endpoint config names the champion and the challenger."""
    repo = GeneratedRepo.create(
        tmp_path_factory.mktemp("serving"), harness.settings, {"project_kind": "serving"}
    )
    caller = Path(".github", "workflows", WORKFLOW)
    assert (repo.path / caller).read_text() == (generated.path / caller).read_text()
    assert (repo.path / "resources" / "serving.yml").is_file()
    repo.point_at_workspace(harness.settings, workspace.url)
    ask_for_a_smoke_run(repo)
    names = derive_names(repo.name, harness.settings)
    test = experiment.configure(repo, workspace.workspace, names)
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))
    assert_deployed(run, harness, "acc", repo.head(), workspace, smoke_run=True)
    assert (harness.settings.release_line, ".github/workflows/reusable-deploy.yml") in run.resolved(
        harness.settings.central_slug
    )

    # The rollout served the A/B test of resources/ab.yml: the endpoint config names both versions.
    experiment.assert_both_versions_served(workspace.workspace, names, test)
    endpoint = workspace.workspace.endpoints[names.endpoint_name]  # `bundle deploy` created it
    assert [tag["value"] for tag in endpoint["tags"] if tag["key"] == "env"] == ["acc"]
    [served] = endpoint["served_entities"]  # the run's rollout task pointed it at the model
    assert served["entity_name"] == names.uc_model_path("acc")
    request = json.loads((repo.path / SERVING_INPUT_FILE).read_text(encoding="utf-8"))
    invocations = workspace.workspace.calls_to(
        "POST", f"/serving-endpoints/{names.endpoint_name}/invocations"
    )
    assert [call.body for call in invocations] == [request]
    rows = len(request["dataframe_split"]["data"])
    assert (
        f"[`{names.endpoint_name}`]({workspace.url}/ml/endpoints/{names.endpoint_name}): {rows} predictions"
        in (summary_of(run))
    )
