"""`goldenpath trace` against the fake workspace: commit, job run, MLflow run and model version; and the
fake workspace run standalone."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import DataframeSplitInput

from databricks_env import (
    SHA,
    deployed_job,
    healthy_workspace,
    run,
)
from fakes.databricks import FakeWorkspaceServer, Workspace
from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.trace import TraceQueryError, classify


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, acc: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    """A healthy acc workspace; tests add the job."""
    with healthy_workspace(acc, monkeypatch, tmp_path) as fake:
        yield fake


# --- trace ------------------------------------------------------------------------------
@pytest.fixture
def history(server: FakeWorkspaceServer, acc: BundleTarget) -> dict[str, Any]:
    """Two deploys' runs in acc: each job run logged an MLflow run that registered a model version."""
    ws: Workspace = server.workspace
    job_id = ws.add_job(deployed_job(acc))
    chain: dict[str, Any] = {"job_id": job_id}
    for sha in (SHA, "e" * 40):
        job_run = ws.add_job_run(job_id)
        tags = {"git_sha": sha, "databricks_job_id": str(job_id), "databricks_job_run_id": str(job_run)}
        mlflow_run = ws.add_mlflow_run(acc.experiment or "", {"project": acc.name, "env": "acc", **tags})
        version = ws.add_model_version(acc.model_full_name, mlflow_run)
        chain[sha] = {"job_run": job_run, "mlflow_run": mlflow_run, "version": version}
    return chain


def test_trace_from_a_commit_prints_the_chain(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    code, out, _ = run(repo, capsys, "trace", SHA)
    assert code == 0, out
    link = history[SHA]
    row = next(line for line in out.splitlines() if line.startswith(SHA[:12]))
    assert row.split() == [
        SHA[:12],
        str(link["job_run"]),
        "SUCCESS",
        link["mlflow_run"],
        f"{acc.model_full_name}/1",
    ]
    assert f"/runs/{link['job_run']}" in out
    assert history["e" * 40]["mlflow_run"] not in out


def test_trace_a_short_sha_as_json(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "databricks", "trace", SHA[:8], "--json")
    assert code == 0
    result = json.loads(out)
    assert result["kind"] == "git-sha"
    assert [link["mlflow_run_id"] for link in result["links"]] == [history[SHA]["mlflow_run"]]


def test_trace_back_from_a_model_version(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str], acc: BundleTarget
) -> None:
    second = history["e" * 40]
    for query in (f"{acc.model_full_name}/{second['version']}", f"{acc.model_name}/{second['version']}"):
        code, out, _ = run(repo, capsys, "trace", query, "--json")
        assert code == 0, query
        (link,) = json.loads(out)["links"]
        assert link["git_sha"] == "e" * 40 and link["job_run_id"] == str(second["job_run"])
        assert link["job_id"] == str(history["job_id"]) and link["job_run_state"] == "SUCCESS"


def test_trace_back_from_a_job_run(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "trace", str(history[SHA]["job_run"]), "--json")
    assert code == 0
    (link,) = json.loads(out)["links"]
    assert link["git_sha"] == SHA and link["mlflow_run_id"] == history[SHA]["mlflow_run"]


def test_trace_finds_nothing_for_an_unknown_commit(
    history: dict[str, Any], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(repo, capsys, "trace", "abcdef1")
    assert code == 1 and "nothing in the workspace traces to abcdef1" in out


def test_trace_refuses_what_it_cannot_read(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TraceQueryError):
        classify("not a thing!")
    assert (
        classify("123") == "job-run"
        and classify("abc1234") == "git-sha"
        and classify("m/2") == "model-version"
    )
    code, _, err = run(repo, capsys, "trace", "what?")
    assert code == 2 and "git sha" in err


def test_the_fake_runs_standalone_from_a_seed_file(tmp_path: Path) -> None:
    """What a manual act run or another tool starts: `python -m fakes.databricks --seed ...`."""
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "catalogs": ["acc_rtl"],
                "tokens": {"dapi-seeded": "someone"},
                "endpoints": {"demand": {"served_entities": [{"entity_name": "a.b.m", "entity_version": 2}]}},
                "endpoint_responses": {"demand": {"predictions": [0.5, 0.5]}},
            }
        ),
        encoding="utf-8",
    )
    tests = Path(__file__).parent
    with subprocess.Popen(
        [sys.executable, "-m", "fakes.databricks", "--seed", str(seed)],
        cwd=tests,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            client = WorkspaceClient(host=url, token="dapi-seeded")
            assert client.current_user.me().user_name == "someone"
            assert client.catalogs.get("acc_rtl").name == "acc_rtl"
            served = client.serving_endpoints.get("demand").config
            assert served is not None and served.served_entities
            assert served.served_entities[0].entity_version == "2"
            request = DataframeSplitInput(columns=["x", "y"], data=[[1.0, 2.0]])
            assert client.serving_endpoints.query("demand", dataframe_split=request).predictions == [0.5, 0.5]
        finally:
            process.terminate()
