{%- set gp = goldenpath(cookiecutter) -%}
"""The entry point: arguments, environment guards and a local run."""

from __future__ import annotations

from pathlib import Path

import pytest

from {{ gp.names.package }}.main import build_config, main, parse_args
from tests.conftest import LocalRun


def test_help_lists_the_job_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--env", "--catalog", "--schema", "--model-name", "--git-sha", "--job-run-id"):
        assert option in out


def test_databricks_targets_refuse_to_run_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    with pytest.raises(SystemExit, match="runs on Databricks only"):
        build_config(parse_args(["--env", "acc"]), Path.cwd())


def test_local_refuses_to_run_on_databricks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    with pytest.raises(SystemExit, match="--env local was given on Databricks"):
        build_config(parse_args([]), Path.cwd())


def test_job_parameters_reach_the_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    job_parameters = ["--env", "prd", "--catalog", "c", "--schema", "s", "--model-name", "m"]
    job_parameters += ["--git-sha", "f00d", "--job-id", "1", "--job-run-id", "2"]
    args = parse_args([*job_parameters, "--experiment", "/Shared/e"])
    config = build_config(args, tmp_path)
    assert config.registered_model == "c.s.m"
    assert config.tracking_uri is None
    assert config.run_tags()["databricks_job_run_id"] == "2"


def test_local_run_prints_a_json_summary(local_run: LocalRun) -> None:
{%- if cookiecutter.include_example %}
    assert local_run.summary["registered_model"] is None
    assert (local_run.directory / "mlflow.db").is_file()
{%- else %}
    assert local_run.summary["tags"]["git_sha"] == "f00d"
{%- endif %}
