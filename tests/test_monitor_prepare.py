"""`goldenpath monitor prepare` against the fake workspace: the tables a first deploy's monitor needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from databricks_env import bundle_monitor, healthy_workspace, run
from fakes.databricks import FakeWorkspaceServer
from fakes.databricks.core import ApiError
from fakes.databricks.monitors import create_monitor
from goldenpath.databricks.bundle import load_bundle
from goldenpath.naming import MONITOR_COLUMNS, derive_names
from goldenpath.settings import load_settings
from rendering import EXAMPLE_ANSWERS, copier_copy

NAMES = derive_names(str(EXAMPLE_ANSWERS["repo_name"]), load_settings())
STATEMENTS = "/api/2.0/sql/statements"


def render(tmp_path_factory: pytest.TempPathFactory, **answers: object) -> Path:
    path = tmp_path_factory.mktemp("prepare") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(path, {**EXAMPLE_ANSWERS, **answers})
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, batch: Path, tmp_path: Path) -> Iterator[FakeWorkspaceServer]:
    """acc before its first deploy: nothing of the project's tables exists."""
    with healthy_workspace(load_bundle(batch, "acc"), monkeypatch, tmp_path) as fake:
        yield fake


def prepare(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, str]:
    code, out, _ = run(repo, capsys, "monitor", "prepare", "--target", "acc", "--json", *extra)
    assert code == 0, out
    return {step["table"]: step["action"] for step in json.loads(out)["tables"]}


def test_a_first_deploy_gets_its_monitored_and_baseline_tables_once(
    server: FakeWorkspaceServer, batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    predictions, baseline = (
        NAMES.table_path("acc", t) for t in (NAMES.predictions_table, NAMES.baseline_table)
    )
    with pytest.raises(ApiError, match="does not exist"):  # what `bundle deploy` would meet
        create_monitor(server.workspace, predictions, bundle_monitor(load_bundle(batch, "acc")))

    assert prepare(batch, capsys) == {predictions: "created", baseline: "created"}
    assert server.workspace.tables.columns(predictions) == MONITOR_COLUMNS.sql_types(serving=False)
    statements = server.workspace.calls_to("POST", STATEMENTS)
    assert {call.body["warehouse_id"] for call in statements} == {
        load_settings().environments["acc"].warehouse_id
    }
    monitor = bundle_monitor(load_bundle(batch, "acc"))
    create_monitor(server.workspace, monitor.pop("table_name"), monitor)  # the deploy's monitor now works

    assert prepare(batch, capsys) == {predictions: "exists", baseline: "exists"}
    assert len(server.workspace.calls_to("POST", STATEMENTS)) == len(statements)


def test_dry_run_creates_nothing(
    server: FakeWorkspaceServer, batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert set(prepare(batch, capsys, "--dry-run").values()) == {"would create"}
    assert server.workspace.tables.names() == [] and not server.workspace.calls_to("POST", STATEMENTS)


def test_a_serving_repo_gets_its_unpacked_inference_table(
    server: FakeWorkspaceServer, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    serving = render(tmp_path_factory, project_kind="serving")
    inference = NAMES.table_path("acc", NAMES.inference_table)
    assert prepare(serving, capsys)[inference] == "created"
    assert server.workspace.tables.columns(inference) == MONITOR_COLUMNS.sql_types(serving=True)


def test_a_bundle_without_a_monitor_needs_nothing(
    server: FakeWorkspaceServer, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = render(tmp_path_factory, include_example=False)
    code, out, _ = run(bare, capsys, "monitor", "prepare", "--target", "acc")
    assert code == 0 and "declares no quality monitor" in out
    assert not server.workspace.calls_to("POST", STATEMENTS)
