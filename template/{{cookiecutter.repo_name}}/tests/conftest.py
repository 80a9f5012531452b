{%- set gp = goldenpath(cookiecutter) -%}
"""One local run of the job per test session, shared by every test that looks at its results.

A run is the slow part of the suite{% if cookiecutter.include_example %} (MLflow creates its SQLite store, then logs
a model){% endif %}, so `main` runs once, exactly as `poetry run {{ gp.names.repo }}` runs it,
and the tests read what it printed and recorded.
"""

from __future__ import annotations

import contextlib
import io
import json
{%- if cookiecutter.include_example %}
import os
import sys
from collections.abc import Iterator
{%- endif %}
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from {{ gp.names.package }}.main import main


@dataclass(frozen=True)
class LocalRun:
    directory: Path
    summary: dict[str, Any]


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> LocalRun:
    """`main(["--git-sha", "f00d"{% if cookiecutter.include_example %}, "--job-run-id", "77"{% endif %}])` run from a fresh project directory, off Databricks."""
    directory = tmp_path_factory.mktemp("local-run")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
        patch.chdir(directory)
        assert main(["--git-sha", "f00d"{% if cookiecutter.include_example %}, "--job-run-id", "77"{% endif %}]) == 0
    return LocalRun(directory, json.loads(printed.getvalue()))
{%- if cookiecutter.include_example %}


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local Spark session (Databricks has its own); needs Java and pyspark.

    Once: {{ gp.spark_install }}
    """
    pytest.importorskip("pyspark", reason="Spark tests need pyspark (see README, Monitoring)")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .getOrCreate()
    )
    yield session
    session.stop()
{%- endif %}
