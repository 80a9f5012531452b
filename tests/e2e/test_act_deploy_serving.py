"""A serving repo's deploy.yml, run with act, deploys its endpoint through the same caller and workflow.

The serving kind's bundle holds more resources (registered model, serving
endpoint); its deploy.yml and the central workflow are the batch repo's. One
run, with `smoke-run: true`: the job's run rolls the endpoint out and the
endpoint answers the repo's serving_input.json. The repo runs an A/B test in acc
(tests/e2e/experiment.py), so the rollout serves the router and the endpoint
config names the champion and the challenger. A new fact about a serving
deploy is a new test on `serving_deploy` (see tests/e2e/deploys.py).
"""

from __future__ import annotations

import json

import pytest

from e2e import experiment
from e2e.deploys import (
    CALLER,
    Deploy,
    Deployer,
    ask_for_a_smoke_run,
    assert_deployed,
    assert_monitoring_deployed,
)
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from goldenpath.databricks.bundle import SERVING_INPUT_FILE
from goldenpath.naming import derive_names

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def serving_deploy(deployer: Deployer) -> Deploy:
    """Push to main of a `project_kind: serving` repo with `smoke-run: true` on its acc job, testing
    version 2 against the champion there."""
    return deployer.deploy(
        "serving",
        answers={"project_kind": "serving"},
        edit=ask_for_a_smoke_run,
        seed=experiment.configure,
    )


def test_a_serving_repo_has_the_batch_repos_caller(serving_deploy: Deploy, generated: GeneratedRepo) -> None:
    assert serving_deploy.rendered_caller == (generated.path / CALLER).read_text(encoding="utf-8")
    assert (serving_deploy.repo.path / "resources" / "serving.yml").is_file()


def test_a_serving_repo_deploys_acc_through_the_same_workflow(
    serving_deploy: Deploy, harness: Harness
) -> None:
    assert_deployed(serving_deploy, "acc", smoke_run=True)
    assert (
        harness.settings.release_line,
        ".github/workflows/reusable-deploy.yml",
    ) in serving_deploy.run.resolved(harness.settings.central_slug)


def test_a_serving_repo_monitors_its_unpacked_inference_table(
    serving_deploy: Deploy, harness: Harness
) -> None:
    assert_monitoring_deployed(serving_deploy, "acc", harness.settings, serving=True)


def test_the_smoke_run_rolls_the_endpoint_out_and_it_answers(
    serving_deploy: Deploy, harness: Harness
) -> None:
    workspace, url = serving_deploy.workspace, serving_deploy.url
    names = derive_names(serving_deploy.repo.name, harness.settings)
    endpoint = workspace.endpoints[names.endpoint_name]  # `bundle deploy` created it
    assert [tag["value"] for tag in endpoint["tags"] if tag["key"] == "env"] == ["acc"]
    [served] = endpoint["served_entities"]  # the run's rollout task pointed it at the model
    assert served["entity_name"] == names.uc_model_path("acc")
    request = json.loads((serving_deploy.repo.path / SERVING_INPUT_FILE).read_text(encoding="utf-8"))
    invocations = workspace.calls_to("POST", f"/serving-endpoints/{names.endpoint_name}/invocations")
    assert [call.body for call in invocations] == [request]
    rows = len(request["dataframe_split"]["data"])
    assert (
        f"[`{names.endpoint_name}`]({url}/ml/endpoints/{names.endpoint_name}): {rows} predictions"
        in serving_deploy.run.summary()
    )


def test_the_rollout_serves_the_ab_router_with_both_versions(
    serving_deploy: Deploy, harness: Harness
) -> None:
    names = derive_names(serving_deploy.repo.name, harness.settings)
    experiment.assert_both_versions_served(serving_deploy.repo, serving_deploy.workspace, names)
