"""Generated repos' workflows pass the same security gates as the central ones, for every answer set."""

from __future__ import annotations

import pytest
import yaml

from goldenpath.project import WORKFLOW_FILES
from goldenpath.settings import load_settings
from rendering import Rendered
from workflow_lint import lint_workflows, run_check_jsonschema, run_zizmor, structure_problems

SETTINGS = load_settings()


def test_generated_workflows_pass_zizmor_actionlint_and_schema(rendered_matrix: list[Rendered]) -> None:
    for rendered in rendered_matrix:
        repo = rendered.by_copier
        config = repo / ".github" / "zizmor.yml"
        problems = lint_workflows([repo / ".github" / "workflows"], zizmor_config=config)
        # zizmor audits all of .github/ (dependabot.yml too), not only the workflows.
        problems += run_zizmor([repo / ".github"], config=config)
        problems += run_check_jsonschema("vendor.dependabot", [repo / ".github" / "dependabot.yml"])
        for workflow in sorted((repo / ".github" / "workflows").glob("*.yml")):
            problems += structure_problems(workflow, ref_pinned=[SETTINGS.central_slug])
        assert not problems, f"{rendered.label}:\n" + "\n".join(problems)


def _jobs(rendered: Rendered, workflow: str) -> dict[str, dict[str, object]]:
    path = rendered.by_copier / ".github" / "workflows" / workflow
    return dict(yaml.safe_load(path.read_text())["jobs"])


def test_callers_use_the_central_workflows_at_the_release_line(rendered_matrix: list[Rendered]) -> None:
    for rendered in rendered_matrix:
        ci = _jobs(rendered, "ci.yml")
        assert ci["test"]["uses"] == SETTINGS.workflow_uses(WORKFLOW_FILES["test"])
        assert ci["build"]["uses"] == SETTINGS.workflow_uses(WORKFLOW_FILES["build"])
        assert ci["build"]["needs"] == "test"
        assert ci["test"]["with"] == {
            "python-version": rendered.answers["python_version"],
            "coverage-threshold": SETTINGS.coverage_min,
            "type-check": True,
            "docs": True,
        }


@pytest.mark.parametrize("auth_mode", ["service-principal-secrets", "oidc"])
def test_deploy_grants_only_what_the_auth_mode_needs(rendered_matrix: list[Rendered], auth_mode: str) -> None:
    oidc = auth_mode == "oidc"
    for rendered in (r for r in rendered_matrix if r.answers["auth_mode"] == auth_mode):
        jobs = _jobs(rendered, "deploy.yml")
        assert set(jobs) == {"acc", "prd"}
        for env, job in jobs.items():
            expected_permissions = {"contents": "read", **({"id-token": "write"} if oidc else {})}
            assert job["permissions"] == expected_permissions
            workflow = WORKFLOW_FILES["deploy-oidc" if oidc else "deploy"]
            assert job["uses"] == SETTINGS.workflow_uses(workflow)
            environment = SETTINGS.environments[env]
            deployment = environment.deployment
            assert deployment is not None
            assert job["with"] == {
                "environment": env,
                "target": env,
                "databricks-host": environment.host,
                "python-version": rendered.answers["python_version"],
            }
            secrets = {"DATABRICKS_CLIENT_ID": f"${{{{ secrets.{deployment.client_id_secret} }}}}"}
            if not oidc:
                secrets["DATABRICKS_CLIENT_SECRET"] = f"${{{{ secrets.{deployment.client_secret_secret} }}}}"
            assert job["secrets"] == secrets


def test_template_update_runs_weekly_at_a_minute_of_its_own(rendered_matrix: list[Rendered]) -> None:
    schedules = {}
    for rendered in rendered_matrix:
        path = rendered.by_copier / ".github" / "workflows" / "template-update.yml"
        workflow = yaml.safe_load(path.read_text())
        on = workflow[True]  # PyYAML reads the key `on` as True
        assert set(on) == {"schedule", "workflow_dispatch"}
        (cron,) = [entry["cron"] for entry in on["schedule"]]
        minute, hour, day, month, weekday = cron.split()
        assert 0 <= int(minute) < 60 and (hour, day, month, weekday) == ("5", "*", "*", "1")
        schedules[rendered.answers["repo_name"]] = cron
        job = workflow["jobs"]["update"]
        assert job["uses"] == SETTINGS.workflow_uses(WORKFLOW_FILES["template-update"])
        assert job["permissions"] == {"contents": "read"}
        assert job["with"]["central-repository"] == SETTINGS.central_repo
        assert job["secrets"] == {"GOLDENPATH_APP_PRIVATE_KEY": "${{ secrets.GOLDENPATH_APP_PRIVATE_KEY }}"}
    assert len(set(schedules.values())) > 1, f"every repository got the same minute: {schedules}"
