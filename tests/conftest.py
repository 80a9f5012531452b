"""Shared fixtures: the answer matrix rendered once per session by both engines; the order files run in."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from rendering import MATRIX, Rendered, cookiecutter_render, copier_copy

# The Databricks and monitor tests' fixtures: the example repo, its acc target, the step summary.
pytest_plugins = ["databricks_env"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The act runs first, then the other slow tests, then the rest (collection order within each).

    scripts/test hands whole files to the xdist workers in this order (`--dist loadfile
    --no-loadscope-reorder`): the long files start at once, the many short ones even out the end.
    """

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("e2e"):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)


@pytest.fixture(scope="session")
def rendered_matrix(tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    """Rendered once per session, shared by the xdist workers; tests only read it.

    Each combination has its own lock: a worker first renders every combination no other
    worker is rendering, then waits for the rest, so two workers render the matrix together.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's, above every worker's own
    shared = root / "answer-matrix"
    shared.mkdir(exist_ok=True)
    bases = [shared / f"combo{index}" for index in range(len(MATRIX))]
    for wait in (False, True):
        for base, answers in zip(bases, MATRIX, strict=True):
            _render_combination(base, answers, wait=wait)
    return [
        Rendered(
            answers, base / "copier" / answers["repo_name"], base / "cookiecutter" / answers["repo_name"]
        )
        for base, answers in zip(bases, MATRIX, strict=True)
    ]


def _render_combination(base: Path, answers: dict[str, Any], *, wait: bool) -> None:
    """Render one combination with both engines unless it is done; without `wait`, skip it while
    another worker holds it."""
    with base.with_suffix(".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        if not (base / ".done").is_file():
            shutil.rmtree(base, ignore_errors=True)
            copier_copy(base / "copier" / answers["repo_name"], answers)
            cookiecutter_render(base / "cookiecutter", answers)
            (base / ".done").touch()
