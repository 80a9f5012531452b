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
