"""A generated repo's deploy.yml, run with act, deploys through the central deploy workflow.

The Databricks CLI is the fake from tests/e2e/doubles/setup-cli: it checks the
bundle (schema, target, variables, wheel build) and records each call, so these
tests see which commands the central workflow ran, for which target, with which
credentials. A run takes about 20 s.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import ActRun, GeneratedRepo, Harness

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


def bundle_calls(run: ActRun) -> list[list[str]]:
    return [call["argv"] for call in run.databricks_calls() if call["argv"][:1] == ["bundle"]]


def flag_values(argv: list[str], *flags: str) -> list[str]:
    """Values of a repeated flag, in `--flag value` form (what the central action passes)."""
    return [argv[index + 1] for index, arg in enumerate(argv[:-1]) if arg in flags]


def only_job(run: ActRun) -> str:
    assert len(run.jobs) == 1, f"{run.jobs}\n{run.tail()}"
    return next(iter(run.jobs))


def assert_deployed(run: ActRun, harness: Harness, environment: str, sha: str) -> None:
    """validate, then deploy, of `environment`'s target, with that environment's host and credentials."""
    assert run.returncode == 0, run.tail()
    job = only_job(run)
    assert job.startswith(f"{environment}/") and run.jobs[job] == "succeeded", run.jobs
    validate, deploy = bundle_calls(run)
    assert validate[:2] == ["bundle", "validate"] and deploy[:2] == ["bundle", "deploy"]
    assert flag_values(validate, "-t", "--target") == [environment]
    assert flag_values(deploy, "-t", "--target") == [environment]
    assert f"git_sha={sha}" in flag_values(deploy, "--var")

    settings = harness.settings.environments[environment]
    secret = f"e2e-{environment}-client-secret".encode()
    for call in run.databricks_calls():
        auth: dict[str, Any] = call["auth"]
        assert auth["DATABRICKS_HOST"] == settings.host
        assert auth["DATABRICKS_CLIENT_ID"] == f"e2e-{environment}-client-id"
        assert auth["DATABRICKS_CLIENT_SECRET"] == "sha256:" + hashlib.sha256(secret).hexdigest()


@pytest.fixture(scope="module")
def deploy_push(harness: Harness, generated: GeneratedRepo) -> ActRun:
    return harness.run(generated, WORKFLOW, "push", secrets=fake_secrets(harness))


def test_push_to_main_validates_then_deploys_the_acc_target(
    deploy_push: ActRun, harness: Harness, generated: GeneratedRepo
) -> None:
    assert_deployed(deploy_push, harness, "acc", generated.head())
    # The fake CLI checked databricks.yml and resources/*.yml against the bundle schema.
    job_lines = [
        line for line in deploy_push.text.splitlines() if line.startswith(f"[{only_job(deploy_push)}]")
    ]
    assert sum("ok -- validation done" in line for line in job_lines) == 2
    assert any("Validation OK!" in line for line in job_lines)


def test_deploy_writes_a_job_summary(deploy_push: ActRun, generated: GeneratedRepo) -> None:
    # act echoes what a step appends to $GITHUB_STEP_SUMMARY as `Summary - <text>`.
    start = deploy_push.text.find("Summary - ")
    assert start != -1, deploy_push.tail()
    summary = deploy_push.text[start : start + 1000]
    assert generated.head() in summary and "acc" in summary


def test_a_release_tag_deploys_the_prd_target(harness: Harness, generated: GeneratedRepo) -> None:
    run = harness.run(generated, WORKFLOW, "push", ref="refs/tags/v0.1.0", secrets=fake_secrets(harness))
    assert_deployed(run, harness, "prd", generated.head())


def test_a_bundle_that_breaks_the_schema_is_not_deployed(
    harness: Harness, generated: GeneratedRepo, tmp_path: Path
) -> None:
    repo = generated.fork(tmp_path)
    bundle = repo.path / "databricks.yml"
    text = bundle.read_text(encoding="utf-8")
    assert "\nbundle:\n" in text
    bundle.write_text(text.replace("\nbundle:\n", "\nbundle:\n  colour: blue\n", 1), encoding="utf-8")
    repo.commit("A bundle setting Databricks does not know")
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))

    assert run.returncode != 0, run.tail()
    assert [argv[:2] for argv in bundle_calls(run)] == [["bundle", "validate"]]
    assert "colour" in run.text and "Schema validation errors were encountered" in run.text


def test_deploy_without_credentials_stops_before_the_cli(harness: Harness, generated: GeneratedRepo) -> None:
    run = harness.run(generated, WORKFLOW, "push")
    assert run.returncode != 0, run.tail()
    assert run.databricks_calls() == []
    errors = [line for line in run.text.splitlines() if "::error" in line and "echo" not in line]
    assert any("DATABRICKS_CLIENT_ID" in line for line in errors), errors or run.tail()


# act has no OIDC token service: a job's `permissions: id-token: write` gives it
# nothing. The harness hands the steps the two variables the runner would set,
# pointing nowhere; the fake CLI only checks they are present.
FAKE_OIDC_RUNNER = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/goldenpath-e2e-no-token-service",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "goldenpath-e2e-fake-request-token",
}


def test_an_oidc_repo_deploys_acc_through_the_oidc_workflow(
    harness: Harness, tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo = GeneratedRepo.create(tmp_path_factory.mktemp("oidc"), harness.settings, {"auth_mode": "oidc"})
    acc = harness.settings.environments["acc"].deployment
    assert acc is not None
    client_id = acc.client_id_secret
    run = harness.run(repo, WORKFLOW, "push", secrets={client_id: "e2e-acc-client-id"}, env=FAKE_OIDC_RUNNER)

    assert run.returncode == 0, run.tail()
    assert (harness.settings.release_line, ".github/workflows/reusable-deploy-oidc.yml") in run.resolved(
        harness.settings.central_slug
    )
    assert [argv[:2] for argv in bundle_calls(run)] == [["bundle", "validate"], ["bundle", "deploy"]]
    for call in run.databricks_calls():
        assert call["auth"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
        assert call["auth"]["DATABRICKS_CLIENT_ID"] == "e2e-acc-client-id"
        assert call["auth"]["DATABRICKS_CLIENT_SECRET"] is None


def test_a_serving_repo_deploys_through_the_same_caller(
    harness: Harness, generated: GeneratedRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The serving kind's bundle holds more resources; its deploy.yml and the central workflow are the same."""
    repo = GeneratedRepo.create(
        tmp_path_factory.mktemp("serving"), harness.settings, {"project_kind": "serving"}
    )
    caller = Path(".github", "workflows", WORKFLOW)
    assert (repo.path / caller).read_text() == (generated.path / caller).read_text()
    assert (repo.path / "resources" / "serving.yml").is_file()
    run = harness.run(repo, WORKFLOW, "push", secrets=fake_secrets(harness))
    assert_deployed(run, harness, "acc", repo.head())
    assert (harness.settings.release_line, ".github/workflows/reusable-deploy.yml") in run.resolved(
        harness.settings.central_slug
    )
