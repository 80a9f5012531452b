"""A generated repo's deploy.yml, run with act, deploys through the central deploy workflow.

Three runs (tests/e2e/deploys.py): a push to main of the example repo whose
caller asks for a smoke run of acc, a release tag of the example repo as
generated, and a push of an `auth_mode: oidc` repo. Each test reads one fact
from one of them; a new fact about one of these deploys is a new test on its
fixture, not a new run.
"""

from __future__ import annotations

import pytest

from e2e.deploys import (
    PIPELINE_JOB,
    Deploy,
    Deployer,
    ask_for_a_smoke_run,
    assert_deployed,
    assert_monitoring_deployed,
    only_job,
)
from e2e.harness import Harness

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def acc_deploy(deployer: Deployer) -> Deploy:
    """Push to main of the example repo with `smoke-run: true` on its acc job."""
    return deployer.deploy("acc", edit=ask_for_a_smoke_run)


@pytest.fixture(scope="module")
def prd_deploy(deployer: Deployer) -> Deploy:
    """Push of tag v0.1.0 of the example repo as generated."""
    return deployer.deploy("prd", ref="refs/tags/v0.1.0")


# act has no OIDC token service: a job's `permissions: id-token: write` gives it
# nothing. The harness hands the steps the two variables the runner would set,
# pointing at the fake workspace's stand-in for the runner's token service; the
# SDK (goldenpath) exchanges that token at the fake workspace.
def fake_oidc_runner(url: str) -> dict[str, str]:
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{url}/github-oidc-token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "goldenpath-e2e-fake-request-token",
    }


@pytest.fixture(scope="module")
def oidc_deploy(deployer: Deployer) -> Deploy:
    """Push to main of an `auth_mode: oidc` repo, with only the client id as a secret."""
    acc = deployer.harness.settings.environments["acc"].deployment
    assert acc is not None
    return deployer.deploy(
        "oidc",
        answers={"auth_mode": "oidc"},
        secrets={acc.client_id_secret: "e2e-acc-client-id"},
        runner_env=fake_oidc_runner,
    )


def test_push_to_main_validates_checks_deploys_verifies_and_smoke_runs_acc(acc_deploy: Deploy) -> None:
    assert_deployed(acc_deploy, "acc", smoke_run=True)
    # The fake CLI checked databricks.yml and resources/*.yml against the bundle schema.
    job = only_job(acc_deploy.run)
    job_lines = [line for line in acc_deploy.run.text.splitlines() if line.startswith(f"[{job}]")]
    assert sum("ok -- validation done" in line for line in job_lines) == 2
    assert any("Validation OK!" in line for line in job_lines)


def test_the_first_deploy_creates_its_tables_monitor_alert_and_monitoring_job(
    acc_deploy: Deploy, harness: Harness
) -> None:
    assert_monitoring_deployed(acc_deploy, "acc", harness.settings)


def test_deploy_summary_shows_the_verified_job(acc_deploy: Deploy) -> None:
    summary = acc_deploy.run.summary()
    job_id, _ = acc_deploy.pipeline_job()
    assert f"[{PIPELINE_JOB}]({acc_deploy.url}/jobs/{job_id})" in summary
    assert f"`git_sha={acc_deploy.repo.head()}`" in summary
    assert "Databricks bundle deployed and verified" in summary


def test_smoke_run_runs_the_deployed_job_and_links_the_run(acc_deploy: Deploy) -> None:
    (smoke,) = acc_deploy.workspace.runs.values()
    assert smoke["state"]["result_state"] == "SUCCESS"
    assert f"SUCCESS ([run page]({smoke['run_page_url']}))" in acc_deploy.run.summary()
    assert not [call for call in acc_deploy.workspace.calls if call.path.endswith("/invocations")]


def test_a_release_tag_deploys_the_prd_target_without_a_smoke_run(prd_deploy: Deploy) -> None:
    assert_deployed(prd_deploy, "prd")  # smoke-run defaults to false
    summary = prd_deploy.run.summary()
    assert "Databricks bundle deployed and verified" in summary and "smoke-run: false" in summary


def test_an_oidc_repo_deploys_acc_through_the_oidc_workflow(oidc_deploy: Deploy, harness: Harness) -> None:
    run, settings = oidc_deploy.run, harness.settings
    assert run.returncode == 0, run.tail()
    assert (settings.release_line, ".github/workflows/reusable-deploy-oidc.yml") in run.resolved(
        settings.central_slug
    )
    assert [argv[:2] for argv in oidc_deploy.bundle_calls()] == [["bundle", "validate"], ["bundle", "deploy"]]
    grants = oidc_deploy.workspace.calls_to("POST", "/oidc/v1/token")
    assert grants and all(c.body["grant_type"].endswith("token-exchange") for c in grants)
    for call in run.databricks_calls():
        assert call["auth"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
        assert call["auth"]["DATABRICKS_CLIENT_ID"] == "e2e-acc-client-id"
        assert call["auth"]["DATABRICKS_CLIENT_SECRET"] is None
