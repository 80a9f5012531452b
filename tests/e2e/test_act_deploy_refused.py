"""A generated repo's deploy.yml, run with act, refuses what must not be deployed, at the right step.

Three forks of the example repo (tests/e2e/deploys.py), one fault each: a
hard-coded `git_sha` tag (verify fails after the deploy), a bundle setting the
schema does not know (validate fails, deploy never runs), and no secrets (the
run stops before any CLI call).
"""

from __future__ import annotations

import re

import pytest

from e2e.deploys import Deploy, Deployer, only_job
from e2e.repos import GeneratedRepo

pytestmark = pytest.mark.e2e


def hard_code_a_stale_git_sha(repo: GeneratedRepo) -> None:
    job_file = repo.path / "resources" / "pipeline_job.yml"
    text, count = re.subn(r"(?m)^(\s+git_sha: ).*$", r"\g<1>stale", job_file.read_text(encoding="utf-8"))
    assert count == 1
    job_file.write_text(text, encoding="utf-8")
    repo.commit("A hard-coded git_sha tag")


def add_a_setting_databricks_does_not_know(repo: GeneratedRepo) -> None:
    bundle = repo.path / "databricks.yml"
    text = bundle.read_text(encoding="utf-8")
    assert "\nbundle:\n" in text
    bundle.write_text(text.replace("\nbundle:\n", "\nbundle:\n  colour: blue\n", 1), encoding="utf-8")
    repo.commit("A bundle setting Databricks does not know")


def test_a_wrong_tag_fails_the_deploy_at_verify(deployer: Deployer) -> None:
    deploy = deployer.deploy("stale-tag", edit=hard_code_a_stale_git_sha)
    run = deploy.run
    assert run.returncode != 0, run.tail()
    steps = run.steps(only_job(run))
    assert (
        steps["databricks bundle deploy"] == "Success" and steps["goldenpath databricks verify"] == "Failure"
    )
    assert f"git_sha='stale' (expected '{deploy.repo.head()}')" in run.text
    assert "Databricks bundle deploy FAILED verification" in run.summary()


def test_a_bundle_that_breaks_the_schema_is_not_deployed(deployer: Deployer) -> None:
    deploy: Deploy = deployer.deploy("schema", edit=add_a_setting_databricks_does_not_know)
    run = deploy.run
    assert run.returncode != 0, run.tail()
    assert [argv[:2] for argv in deploy.bundle_calls()] == [["bundle", "validate"]]
    assert "colour" in run.text and "Schema validation errors were encountered" in run.text


def test_deploy_without_credentials_stops_before_the_cli(deployer: Deployer) -> None:
    run = deployer.deploy("no-secrets", secrets={}).run
    assert run.returncode != 0, run.tail()
    assert run.databricks_calls() == []
    errors = [line for line in run.text.splitlines() if "::error" in line and "echo" not in line]
    assert any("DATABRICKS_CLIENT_ID" in line for line in errors), errors or run.tail()
