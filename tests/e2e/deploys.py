"""Runs of a generated repo's deploy.yml, each against a fake Databricks workspace of its own.

The Databricks CLI is the double from tests/e2e/doubles/setup-cli: it checks the
bundle (schema, target, variables, wheel build), records each call and writes
the jobs, the monitor and the drift alert (and a serving repo's endpoint) into
the fake workspace (tests/fakes/databricks/); `goldenpath databricks
preflight`, `goldenpath monitor prepare`, `verify` and `smoke` run inside the
workflow against the same fake.

Every run gets a fresh fake workspace, seeded so that the example project's
preflight passes, and keeps it after the run (`Deploy.workspace`): what a test
reads there is that run's doing alone, whichever runs came before.

To prove one more fact about a deploy, do not start another run: add a test
that takes the fixture of the run that shows it (`acc_deploy`, `prd_deploy`,
`oidc_deploy`, `serving_deploy`, ...) and reads `Deploy.run` (log, steps,
summary, the fake CLI's calls) and `Deploy.workspace` (jobs, runs, endpoints,
every API call the workflow made).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from e2e.act_run import ActRun
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from fakes.databricks import FakeWorkspaceServer, Workspace, seed_healthy
from goldenpath.naming import DRIFT_CHECK_TASK, MONITOR_COLUMNS, derive_names
from goldenpath.settings import Settings
from rendering import EXAMPLE_ANSWERS

WORKFLOW = "deploy.yml"
CALLER = Path(".github", "workflows", WORKFLOW)
# The example project's training job (its bundle also deploys the scheduled monitoring job).
PIPELINE_JOB = f"{EXAMPLE_ANSWERS['repo_name']}-pipeline"


@dataclass(frozen=True)
class Deploy:
    """One deploy.yml run and the fake workspace it deployed to, as the run left it."""

    repo: GeneratedRepo
    run: ActRun
    workspace: Workspace
    url: str  # the fake workspace's URL, which the repo's hosts point at
    rendered_caller: str  # the repo's deploy.yml as rendered, before the hosts were pointed at the fake

    def bundle_calls(self) -> list[list[str]]:
        """argv of every `databricks bundle ...` call, in order."""
        return [call["argv"] for call in self.run.databricks_calls() if call["argv"][:1] == ["bundle"]]

    def pipeline_job(self) -> tuple[int, dict[str, Any]]:
        """The example project's training job in the workspace: its id and its settings as deployed."""
        project = str(EXAMPLE_ANSWERS["repo_name"])
        (job,) = [
            (job_id, settings)
            for job_id, settings in self.workspace.jobs.items()
            if settings["tags"]["project"] == project and settings["name"] == PIPELINE_JOB
        ]
        return job


def fake_secrets(settings: Settings) -> dict[str, str]:
    """A distinct made-up value for every environment's secret names in goldenpath.yml."""
    values = {}
    for name, environment in settings.environments.items():
        if environment.deployment is not None:
            values[environment.deployment.client_id_secret] = f"e2e-{name}-client-id"
            values[environment.deployment.client_secret_secret] = f"e2e-{name}-client-secret"
    return values


def healthy_workspace(settings: Settings) -> FakeWorkspaceServer:
    """A fake workspace standing in for every deployed environment's workspace.

    Ready for the example repo's first deploy: each deployed environment's
    catalog, schema, service principal, grants and SQL warehouse exist, and the
    e2e credentials (fake secrets `e2e-<env>-client-id` /
    `e2e-<env>-client-secret`) are OAuth clients of it. The project's tables do
    not exist yet: the deploy creates them (`goldenpath monitor prepare`).
    """
    names = derive_names(str(EXAMPLE_ANSWERS["repo_name"]), settings)
    fake = FakeWorkspaceServer()
    for env, environment in settings.environments.items():
        if environment.deployment is None:
            continue
        seed_healthy(
            fake.workspace,
            catalog=names.catalogs[env],
            schema=names.uc_schema,
            principal=environment.deployment.service_principal,
            node_type=settings.node_type_id,
            spark_version=settings.python_runtimes[str(EXAMPLE_ANSWERS["python_version"])],
            warehouse_id=environment.warehouse_id,
        )
        fake.workspace.oauth_clients[f"e2e-{env}-client-id"] = f"e2e-{env}-client-secret"
        # On Databricks the client id is the service principal's application id; here it is
        # its own identity, which the deploy's statements (goldenpath monitor prepare) run as.
        fake.workspace.permit_warehouse(environment.warehouse_id, f"e2e-{env}-client-id")
    return fake


@dataclass(frozen=True)
class Deployer:
    """Makes `Deploy` runs: a fork of the example repo (or a fresh render) pointed at a fresh fake workspace."""

    harness: Harness
    example: GeneratedRepo
    tmp_path_factory: pytest.TempPathFactory

    def deploy(
        self,
        name: str,
        *,
        answers: Mapping[str, Any] | None = None,
        edit: Callable[[GeneratedRepo], None] | None = None,
        seed: Callable[[GeneratedRepo, Workspace], None] | None = None,
        ref: str = "refs/heads/main",
        secrets: Mapping[str, str] | None = None,
        runner_env: Callable[[str], Mapping[str, str]] | None = None,
    ) -> Deploy:
        """Push `ref` of a repo and run its deploy.yml.

        The repo is a fork of the example repo, or rendered from the example answers
        updated with `answers`; `edit` changes (and commits) it after its hosts point
        at the fake; `seed` then puts into the run's workspace what the repo's history left
        there (model versions, aliases). `secrets`: default one set per deployed environment (`fake_secrets`).
        `runner_env(url)`: variables the runner would set, given the fake's URL.
        """
        base = self.tmp_path_factory.mktemp(name)
        settings = self.harness.settings
        with healthy_workspace(settings) as fake:
            if answers is None:
                repo = self.example.fork(base)
            else:
                repo = GeneratedRepo.create(base, settings, answers)
            rendered_caller = (repo.path / CALLER).read_text(encoding="utf-8")
            repo.point_at_workspace(settings, fake.url)
            if edit is not None:
                edit(repo)
            if seed is not None:
                seed(repo, fake.workspace)
            run = self.harness.run(
                repo,
                WORKFLOW,
                "push",
                ref=ref,
                secrets=fake_secrets(settings) if secrets is None else secrets,
                env=runner_env(fake.url) if runner_env else None,
            )
        return Deploy(repo, run, fake.workspace, fake.url, rendered_caller)


def flag_values(argv: list[str], *flags: str) -> list[str]:
    """Values of a repeated flag, in `--flag value` form (what the central action passes)."""
    return [argv[index + 1] for index, arg in enumerate(argv[:-1]) if arg in flags]


def only_job(run: ActRun) -> str:
    assert len(run.jobs) == 1, f"{run.jobs}\n{run.tail()}"
    return next(iter(run.jobs))


def assert_deployed(deploy: Deploy, environment: str, smoke_run: bool = False) -> None:
    """validate, preflight, deploy, verify (and smoke, when asked) of `environment`'s target,
    with that environment's credentials, of the repo's HEAD."""
    run, sha = deploy.run, deploy.repo.head()
    assert run.returncode == 0, run.tail()
    job = only_job(run)
    assert job.startswith(f"{environment}/") and run.jobs[job] == "succeeded", run.jobs
    validate, bundle_deploy = deploy.bundle_calls()
    assert validate[:2] == ["bundle", "validate"] and bundle_deploy[:2] == ["bundle", "deploy"]
    assert flag_values(validate, "-t", "--target") == [environment]
    assert flag_values(bundle_deploy, "-t", "--target") == [environment]
    assert f"git_sha={sha}" in flag_values(bundle_deploy, "--var")

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
    _, deployed = deploy.pipeline_job()
    assert deployed["tags"]["git_sha"] == sha and deployed["tags"]["env"] == environment

    secret = f"e2e-{environment}-client-secret".encode()
    for call in run.databricks_calls():
        auth: dict[str, Any] = call["auth"]
        assert auth["DATABRICKS_HOST"] == deploy.url
        assert auth["DATABRICKS_CLIENT_ID"] == f"e2e-{environment}-client-id"
        assert auth["DATABRICKS_CLIENT_SECRET"] == "sha256:" + hashlib.sha256(secret).hexdigest()


def ask_for_a_smoke_run(repo: GeneratedRepo) -> None:
    """The one line a repo adds to its caller: `smoke-run: true` for the acc deploy."""
    caller = repo.path / CALLER
    text, count = re.subn(
        r"(?m)^(\s+)target: acc$", r"\g<0>\n\g<1>smoke-run: true", caller.read_text("utf-8")
    )
    assert count == 1
    caller.write_text(text, encoding="utf-8")
    repo.commit("Smoke-run the acc deploy")


def assert_monitoring_deployed(
    deploy: Deploy, environment: str, settings: Settings, serving: bool = False
) -> None:
    """The deploy created the monitored tables, then the monitor, the drift alert and the monitoring
    job; preflight and verify checked them."""
    run, workspace = deploy.run, deploy.workspace
    names = derive_names(deploy.repo.name, settings)
    table = names.table_path(environment, names.monitored_table(serving))
    assert run.steps(only_job(run)).get("goldenpath monitor prepare") == "Success"
    assert workspace.tables.columns(table) == MONITOR_COLUMNS.sql_types(serving)
    monitor = workspace.monitors[table]
    assert monitor["inference_log"]["prediction_col"] == MONITOR_COLUMNS.prediction
    assert monitor["baseline_table_name"] == names.table_path(environment, names.baseline_table)
    (alert,) = [a for a in workspace.alerts.values() if a["display_name"] == names.drift_alert_name]
    assert alert["warehouse_id"] == settings.environments[environment].warehouse_id
    assert names.table_path(environment, names.drift_metrics_table(serving)) in alert["query_text"]
    jobs = {job["name"]: (job_id, job) for job_id, job in workspace.jobs.items()}
    training_id, _ = jobs[names.job_name]
    _, monitoring_job = jobs[names.monitoring_job_name]
    (drift_check,) = [task for task in monitoring_job["tasks"] if task["task_key"] == DRIFT_CHECK_TASK]
    assert str(training_id) in drift_check["python_wheel_task"]["parameters"]  # ${resources.jobs.pipeline.id}
    lines = [line for line in run.text.splitlines() if line.startswith(f"[{only_job(run)}]")]
    for check in ("warehouse", "warehouse-use", "output-schema"):  # preflight prints text
        assert any(f"ok   {check}: " in line for line in lines), check
    summary = run.summary()  # verify prints JSON; its step summary lists every check
    for check in ("monitor", "monitor-profile", "alert", "alert-destinations", "notifications"):
        assert f"| {check} | ok: " in summary, check
    assert f"| monitor | `{table}` (MONITOR_STATUS_ACTIVE) |" in summary
