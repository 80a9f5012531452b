"""Shared fixtures: the answer matrix rendered once per session by both engines; the order files run in."""

from __future__ import annotations

import fcntl
import os
import shutil

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
    """Rendered once per session, by whichever xdist worker asks first; tests only read it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's, above every worker's own
    shared = root / "answer-matrix"
    shared.mkdir(exist_ok=True)
    rendered = []
    with (shared / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the first one's renders
        for index, answers in enumerate(MATRIX):
            base = shared / f"combo{index}"
            copier_dst = base / "copier" / answers["repo_name"]
            if not (base / ".done").is_file():
                shutil.rmtree(base, ignore_errors=True)
                copier_copy(copier_dst, answers)
                cookiecutter_render(base / "cookiecutter", answers)
                (base / ".done").touch()
            rendered.append(Rendered(answers, copier_dst, base / "cookiecutter" / answers["repo_name"]))
    return rendered
