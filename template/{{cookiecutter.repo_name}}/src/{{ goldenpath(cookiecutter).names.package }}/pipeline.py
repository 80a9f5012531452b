{%- set gp = goldenpath(cookiecutter) -%}
{%- if cookiecutter.include_example -%}
"""The example pipeline: train, evaluate, log and (on Databricks) register a model.

It trains on scikit-learn's diabetes data, which ships inside scikit-learn, so
it runs anywhere without downloads. Swap `load_training_data` for your own
source (a Unity Catalog table, say) and keep the logging and registration.
On Databricks the evaluation predictions go to the baseline table, which the
monitor measures drift against (docs/monitoring.md of goldenpath).
"""

from __future__ import annotations

import argparse
from typing import Any

import mlflow
import mlflow.sklearn
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split

from {{ gp.names.package }} import predictions
from {{ gp.names.package }}.config import BASELINE_TABLE, ROW_ID, RunConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Model parameters the job may override; each one is logged to MLflow."""
    parser.add_argument("--alpha", type=float, default=1.0, help="ridge regularisation strength")
    parser.add_argument("--test-size", type=float, default=0.25, help="share held out to evaluate")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the train/test split")


def load_training_data() -> tuple[pd.DataFrame, pd.Series]:
    features, target = load_diabetes(return_X_y=True, as_frame=True)
    return features, target


def example_input() -> pd.DataFrame:
    """Rows to score, each with a `ROW_ID` to join its true outcome later: the bundled data's features."""
    features, _ = load_training_data()
    return features.assign(**{ROW_ID: features.index.astype(str)})


def train(
    features: pd.DataFrame, target: pd.Series, alpha: float, test_size: float, seed: int
) -> tuple[Ridge, dict[str, float], pd.DataFrame, pd.Series]:
    """Fit on one part, score on the rest; returns model, metrics and the held-out rows and truth."""
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=test_size, random_state=seed
    )
    model = Ridge(alpha=alpha).fit(x_train, y_train)
    predicted = model.predict(x_test)
    metrics = {
        "mae": float(mean_absolute_error(y_test, predicted)),
        "r2": float(r2_score(y_test, predicted)),
    }
    return model, metrics, x_test, y_test


def baseline_rows(
    model: Ridge, held_out: pd.DataFrame, truth: pd.Series, version: str, config: RunConfig
) -> pd.DataFrame:
    """The evaluation predictions, labelled: what later predictions' drift is measured against."""
    return predictions.prediction_rows(
        held_out,
        model.predict(held_out),
        held_out.index.astype(str),
        version,
        config.job_run_id or predictions.LOCAL,
        predictions.now(),
        labels=truth,
    )


def write_baseline(rows: pd.DataFrame, config: RunConfig) -> str | None:
    """Databricks runs append to the baseline table; local runs keep nothing."""
    table = config.table(BASELINE_TABLE)
    if not config.on_databricks or table is None:
        return None
    predictions.append(predictions.spark_session(), rows, table)
    return table


def register(model_uri: str, config: RunConfig) -> str | None:
    """Databricks runs register in Unity Catalog; local runs keep the model in the run only."""
    if not config.on_databricks or config.registered_model is None:
        return None
    mlflow.set_registry_uri("databricks-uc")
    version = mlflow.register_model(model_uri, config.registered_model)
    return f"{config.registered_model}/{version.version}"


def serialization_format(config: RunConfig) -> str:
    """MLflow's own choice, made explicit: cloudpickle on Databricks, skops (no pickle) elsewhere."""
    if config.on_databricks:
        return str(mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE)
    return str(mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS)


def serving_requirements(config: RunConfig) -> list[str]:
    """scikit-learn and the serializer, pinned to the versions that saved the model.

    Named here, MLflow need not infer them by re-importing the model in a
    subprocess, which costs seconds on every run.
    """
    requirements = mlflow.sklearn.get_default_pip_requirements(
        include_cloudpickle=config.on_databricks, include_skops=not config.on_databricks
    )
    return [str(requirement) for requirement in requirements]


def run(config: RunConfig, args: argparse.Namespace) -> dict[str, Any]:
    if config.tracking_uri:
        mlflow.set_tracking_uri(config.tracking_uri)
    mlflow.set_experiment(config.experiment)
    features, target = load_training_data()
    params = {"alpha": args.alpha, "test_size": args.test_size, "seed": args.seed}
    with mlflow.start_run(tags=config.run_tags()) as active:
        mlflow.log_params(params)
        model, metrics, held_out, truth = train(features, target, **params)
        mlflow.log_metrics(metrics)
        logged = mlflow.sklearn.log_model(
            model,
            name="model",
            input_example=held_out.head(5),
            serialization_format=serialization_format(config),
            pip_requirements=serving_requirements(config),
        )
        registered = register(logged.model_uri, config)
        version = registered.rsplit("/", 1)[1] if registered else predictions.LOCAL
        baseline = baseline_rows(model, held_out, truth, version, config)
    return {
        "run_id": active.info.run_id,
        "metrics": metrics,
        "model_uri": logged.model_uri,
        "registered_model": registered,
        "baseline_rows": len(baseline),
        "baseline_table": write_baseline(baseline, config),
    }
{%- else -%}
"""The pipeline: put your project's steps in `run`.

`main` hands it a `RunConfig` that already knows the environment, the Unity
Catalog names and the commit, so the steps need not care where they run.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from {{ gp.names.package }}.config import RunConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Parameters the job may pass; add your own here."""
    parser.add_argument(
        "--run-date",
        type=date.fromisoformat,
        default=date.today(),
        help="business date this run processes (YYYY-MM-DD, default today)",
    )


def run(config: RunConfig, args: argparse.Namespace) -> dict[str, Any]:
    """Report what this run would write where; replace with your steps."""
    return {
        "env": config.env,
        "run_date": args.run_date.isoformat(),
        "writes_to": config.registered_model or "nothing outside this machine",
        "tags": config.run_tags(),
    }
{%- endif %}
