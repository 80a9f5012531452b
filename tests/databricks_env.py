"""What the `goldenpath databricks` and `goldenpath monitor` tests share: a workspace ready for a
rendered repo's acc target, seeded the way `bundle deploy` leaves it, and running the CLI.

A pytest plugin (tests/conftest.py loads it): the fixtures `repo` (the example answers
rendered once per module), `acc` (its acc target) and `summary` (`$GITHUB_STEP_SUMMARY`)
are every such module's; a module that needs another `repo` defines its own.

The fake workspace (tests/fakes/databricks/) is driven through the real SDK by
the CLI; these helpers only seed its state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fakes.databricks import FakeWorkspaceServer, Workspace, seed_healthy
from fakes.databricks.monitors import create_monitor
from goldenpath.cli import main
from goldenpath.databricks.bundle import BundleTarget, load_bundle, target_resources
from goldenpath.databricks.monitoring import MonitoringTarget, monitoring_target
from goldenpath.naming import JOB_KEY, MONITOR_KEY
from goldenpath.settings import load_settings
from rendering import EXAMPLE_ANSWERS, copier_copy

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
VERSION = "0.1.0"
SETTINGS = load_settings()
ACC_SP = SETTINGS.environments["acc"].deployment.service_principal  # type: ignore[union-attr]
SDK_ENV = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_", "ACTIONS_ID_TOKEN")
FEATURES = {"price": "DOUBLE", "promo": "STRING"}  # the example model's inputs, as far as monitoring cares


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


@contextmanager
def healthy_workspace(
    bundle: BundleTarget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """A workspace where `bundle`'s preflight passes; the SDK finds it through its own environment,
    like in a workflow, and nothing from the machine's own Databricks config leaks in."""
    for name in list(os.environ):
        if name.startswith(SDK_ENV):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    with FakeWorkspaceServer() as fake:
        seed_healthy(
            fake.workspace,
            catalog=bundle.catalog,
            schema=bundle.schema,
            principal=ACC_SP,
            node_type=bundle.node_types[0],
            spark_version=bundle.spark_versions[0],
            warehouse_id=SETTINGS.environments[bundle.target].warehouse_id,
        )
        monkeypatch.setenv("DATABRICKS_HOST", fake.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
        yield fake


def run(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--path", str(repo)])
    out, err = capsys.readouterr()
    return code, out, err


def checks(out: str) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in json.loads(out)["checks"]}


def failed_checks(out: str) -> dict[str, str]:
    return {name: c["message"] for name, c in checks(out).items() if not c["ok"]}


def declared(bundle: BundleTarget, kind: str) -> dict[str, Any]:
    """The bundle's resources of one kind, resolved for its target, as `bundle deploy` sends them."""
    return target_resources(bundle.root, bundle.target, kind)


def job_alerting(bundle: BundleTarget, key: str = JOB_KEY) -> dict[str, Any]:
    """A job's notifications and health rule as the bundle declares them."""
    job = declared(bundle, "jobs")[key]
    return {
        name: job[name] for name in ("email_notifications", "webhook_notifications", "health") if name in job
    }


def deployed_job(bundle: BundleTarget, git_sha: str = SHA, version: str = VERSION) -> dict[str, Any]:
    """The pipeline job as `bundle deploy` writes it: tags resolved, run_as set, the uploaded wheel."""
    wheel = f"/Workspace/Users/{ACC_SP}/.bundle/{bundle.name}/acc/artifacts/.internal/{bundle.package_name}-{version}-py3-none-any.whl"
    return {
        "name": bundle.job_name,
        "tags": bundle.expected_tags(git_sha),
        "run_as": {"service_principal_name": bundle.service_principal},
        "tasks": [
            {
                "task_key": "pipeline",
                "python_wheel_task": {"package_name": bundle.package_name, "entry_point": bundle.entry_point},
                "libraries": [{"whl": wheel}],
            }
        ],
        **job_alerting(bundle),
    }


def bundle_monitor(bundle: BundleTarget) -> dict[str, Any]:
    """The quality monitor's create request, as `bundle deploy` sends it."""
    monitor = dict(declared(bundle, "quality_monitors")[MONITOR_KEY])
    monitor["assets_dir"] = str(monitor["assets_dir"]).replace(
        "${workspace.root_path}", f"/Workspace/Shared/{bundle.name}"
    )
    return monitor


def predictions_columns(monitoring: MonitoringTarget) -> dict[str, str]:
    """The monitored table: features, then the columns goldenpath names (a serving table has more)."""
    columns = monitoring.columns
    kinds = {columns.prediction: "DOUBLE", columns.label: "DOUBLE", columns.timestamp: "TIMESTAMP"}
    kinds |= {columns.status_code: "INT", columns.latency_ms: "BIGINT"}
    names = columns.serving if monitoring.serving else columns.batch
    return {**FEATURES, **{name: kinds.get(name, "STRING") for name in names}}


def deploy_monitoring(workspace: Workspace, bundle: BundleTarget) -> MonitoringTarget:
    """What a deploy of `bundle` adds for monitoring, from its own resources: the monitor on the
    monitored table (which, with the baseline, the job's first run created), the drift alert and
    the jobs besides the pipeline."""
    monitoring = monitoring_target(bundle, SETTINGS)
    for table in (monitoring.monitored_table, monitoring.baseline_table):
        workspace.tables.create(table, predictions_columns(monitoring))
    monitor = bundle_monitor(bundle)
    create_monitor(workspace, monitor.pop("table_name"), monitor)
    for alert in declared(bundle, "alerts").values():
        workspace.add_alert(alert, owner=ACC_SP)
    for key, job in declared(bundle, "jobs").items():
        if key != JOB_KEY:
            workspace.add_job(job)
    return monitoring
