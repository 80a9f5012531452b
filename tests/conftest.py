"""Shared fixtures: the answer matrix rendered once per session by both engines."""

from __future__ import annotations

import pytest

from rendering import MATRIX, Rendered, cookiecutter_render, copier_copy


@pytest.fixture(scope="session")
def rendered_matrix(tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    rendered = []
    for index, answers in enumerate(MATRIX):
        base = tmp_path_factory.mktemp(f"combo{index}")
        copier_dst = base / "copier" / answers["repo_name"]
        copier_copy(copier_dst, answers)
        cookiecutter_render(base / "cookiecutter", answers)
        rendered.append(Rendered(answers, copier_dst, base / "cookiecutter" / answers["repo_name"]))
    return rendered


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n` (scripts/test), each module runs on one worker, and every act run on one.

    A module's fixtures (a generated repo installed once) are then built once, and
    the act runs share one harness, whose pip and poetry caches stay warm.
    """
    for item in items:
        group = "e2e" if item.get_closest_marker("e2e") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
