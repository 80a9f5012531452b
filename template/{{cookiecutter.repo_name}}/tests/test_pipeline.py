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
from {{ gp.names.package }}.config import RunConfig{% if example %}, local_tracking_uri{% endif %}
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
    _, metrics, example = pipeline.train(features, target, alpha=0.5, test_size=0.25, seed=7)
    assert metrics["r2"] > 0.3
    assert list(example.columns) == list(features.columns)


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
