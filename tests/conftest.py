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
