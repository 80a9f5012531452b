{%- set gp = goldenpath(cookiecutter) -%}
"""RunConfig: what differs between a laptop and a Databricks job."""

from __future__ import annotations

from pathlib import Path

from {{ gp.names.package }}.config import (
    PROJECT,
    RunConfig,
    current_git_sha,
    local_tracking_uri,
    running_on_databricks,
)

# Derived from the repository name by goldenpath; resources/pipeline_job.yml passes the same.
CATALOG = "{{ gp.names.catalogs['acc'] }}"
SCHEMA = "{{ gp.names.uc_schema }}"
MODEL = "{{ gp.names.uc_model }}"


def make_config(**overrides: str) -> RunConfig:
    values = {"env": "acc", "experiment": "/Shared/x", "tracking_uri": None, "git_sha": "abc123"}
    return RunConfig(**{**values, **overrides})  # type: ignore[arg-type]


def test_registered_model_needs_catalog_schema_and_name() -> None:
    assert make_config().registered_model is None
    full = make_config(catalog=CATALOG, schema=SCHEMA, model_name=MODEL)
    assert full.registered_model == f"{CATALOG}.{SCHEMA}.{MODEL}"


def test_run_tags_trace_the_commit_and_the_job_run() -> None:
    assert make_config().run_tags() == {"project": PROJECT, "env": "acc", "git_sha": "abc123"}
    tags = make_config(job_id="11", job_run_id="22").run_tags()
    assert tags["databricks_job_id"] == "11"
    assert tags["databricks_job_run_id"] == "22"


def test_databricks_is_detected_by_its_runtime_variable() -> None:
    assert running_on_databricks({"DATABRICKS_RUNTIME_VERSION": "15.4"})
    assert not running_on_databricks({})


def test_local_store_lives_in_the_project(tmp_path: Path) -> None:
    assert local_tracking_uri(tmp_path) == f"sqlite:///{tmp_path.resolve()}/mlflow.db"


def test_git_sha_outside_a_checkout_is_unknown(tmp_path: Path) -> None:
    assert current_git_sha(tmp_path) == "unknown"
