{%- set gp = goldenpath(cookiecutter) -%}
{%- set example = cookiecutter.include_example -%}
"""{% if example %}The example pipeline: it learns something, and MLflow records it with its commit.{% else %}The pipeline skeleton: it reports where a run would write.{% endif %}"""

from __future__ import annotations

{% if example -%}
import dataclasses

import mlflow
import pytest
{%- else -%}
import argparse
from datetime import date
{%- endif %}

from {{ gp.names.package }} import pipeline
{%- if example %}
from {{ gp.names.package }}.config import (
    LABEL,
    MODEL_VERSION,
    ROW_ID,
    RunConfig,
    local_tracking_uri,
)
{%- else %}
from {{ gp.names.package }}.config import RunConfig
{%- endif %}
{%- if example %}
from tests.conftest import LocalRun
{%- endif %}

# Derived from the repository name by goldenpath; resources/pipeline_job.yml passes the same.
CATALOG = "{{ gp.names.catalogs['acc'] }}"
SCHEMA = "{{ gp.names.uc_schema }}"
MODEL = "{{ gp.names.uc_model }}"


def acc_config() -> RunConfig:
    """What the job passes in acc."""
    return RunConfig(
        env="acc",
        experiment="/Shared/x",
        tracking_uri=None,
        git_sha="f",
        catalog=CATALOG,
        schema=SCHEMA,
        model_name=MODEL,
    )
{%- if example %}


def test_model_beats_predicting_the_mean() -> None:
    features, target = pipeline.load_training_data()
    _, metrics, held_out, truth = pipeline.train(
        features, target, alpha=0.5, test_size=0.25, seed=7
    )
    assert metrics["r2"] > 0.3
    assert list(held_out.columns) == list(features.columns)
    assert list(truth.index) == list(held_out.index)


def test_the_baseline_is_the_labelled_evaluation_the_local_run_keeps(local_run: LocalRun) -> None:
    features, target = pipeline.load_training_data()
    model, _, held_out, truth = pipeline.train(features, target, alpha=1.0, test_size=0.25, seed=42)
    rows = pipeline.baseline_rows(model, held_out, truth, "4", acc_config())
    assert len(rows) == local_run.summary["baseline_rows"] == len(held_out)
    assert list(rows[LABEL]) == list(truth)
    assert set(rows[MODEL_VERSION]) == {"4"}
    assert list(rows[ROW_ID]) == [str(index) for index in held_out.index]
    assert local_run.summary["baseline_table"] is None  # local runs write no table


def test_example_input_has_a_row_id_per_row() -> None:
    inputs = pipeline.example_input()
    assert inputs[ROW_ID].is_unique
    features, _ = pipeline.load_training_data()
    assert [column for column in inputs.columns if column != ROW_ID] == list(features.columns)


def test_the_local_run_logs_params_metrics_model_and_git_sha(local_run: LocalRun) -> None:
    mlflow.set_tracking_uri(local_tracking_uri(local_run.directory))
    logged = mlflow.get_run(local_run.summary["run_id"])
    assert logged.data.tags["git_sha"] == "f00d"
    assert logged.data.params["alpha"] == "1.0"
    assert logged.data.metrics["r2"] == pytest.approx(local_run.summary["metrics"]["r2"])
    model = mlflow.sklearn.load_model(local_run.summary["model_uri"])
    assert model.predict(pipeline.load_training_data()[0].head(2)).shape == (2,)


def test_the_model_is_served_with_the_packages_it_was_saved_with() -> None:
    for config, serializer in (
        (dataclasses.replace(acc_config(), env="local"), "skops"),
        (acc_config(), "cloudpickle"),
    ):
        assert pipeline.serialization_format(config) == serializer
        pinned = [pin.split("==")[0] for pin in pipeline.serving_requirements(config)]
        assert pinned == ["scikit-learn", serializer]


def test_databricks_runs_register_in_unity_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    class Version:
        version = 3

    def fake_register(model_uri: str, name: str) -> Version:
        calls.append((model_uri, name))
        return Version()

    monkeypatch.setattr(mlflow, "register_model", fake_register)
    monkeypatch.setattr(mlflow, "set_registry_uri", lambda uri: calls.append(("registry", uri)))
    assert pipeline.register("runs:/1/model", acc_config()) == f"{CATALOG}.{SCHEMA}.{MODEL}/3"
    assert calls == [
        ("registry", "databricks-uc"),
        ("runs:/1/model", f"{CATALOG}.{SCHEMA}.{MODEL}"),
    ]
{%- else %}


def test_run_reports_the_target_and_date() -> None:
    summary = pipeline.run(acc_config(), argparse.Namespace(run_date=date(2026, 1, 31)))
    assert summary["run_date"] == "2026-01-31"
    assert summary["writes_to"] == f"{CATALOG}.{SCHEMA}.{MODEL}"
{%- endif %}
