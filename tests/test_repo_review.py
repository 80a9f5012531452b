"""Scientific Python's repo checklist (sp-repo-review) passes on this repo and on every render.

A check either passes or is switched off in `[tool.repo-review.ignore]` with its
reason as the value (repo-review prints it as the skip reason). An ignore that is
no longer needed fails too, so the list only holds live decisions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from rendering import REPO_ROOT, Rendered

REPO_REVIEW = Path(sys.executable).parent / "repo-review"
# Any non-empty --ignore replaces the pyproject list; a name no check has turns it off.
WITHOUT_IGNORES = ("--ignore", "no-such-check")


def review(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """repo-review's exit code (0 clean, 3 when a check failed) and its JSON report."""
    result = subprocess.run(
        [str(REPO_REVIEW), str(path), "--format", "json", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode in (0, 3), f"repo-review crashed ({result.returncode}): {result.stderr}"
    report: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, report


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {check: info["description"] for check, info in report["checks"].items() if info["result"] is False}


def ignores(path: Path) -> dict[str, str]:
    pyproject = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    table: dict[str, str] = pyproject["tool"]["repo-review"]["ignore"]
    return table


def assert_clean(path: Path) -> None:
    code, report = review(path)
    failures = failed(report)
    assert code == 0 and not failures, f"{path}: repo-review failed:\n" + "\n".join(
        f"  {check}: {description} (fix it, or ignore it with a reason)"
        for check, description in sorted(failures.items())
    )


def assert_every_ignore_is_reasoned_and_needed(path: Path) -> None:
    reasons = ignores(path)
    assert reasons, f"{path}: [tool.repo-review.ignore] is a table of check = reason"
    for check, reason in reasons.items():
        assert len(str(reason).split()) >= 3, f"{path}: {check} needs a reason, not {reason!r}"
    _, report = review(path, *WITHOUT_IGNORES)
    stale = sorted(set(reasons) - set(failed(report)))
    assert not stale, f"{path}: these checks pass now, remove them from the ignore table: {stale}"


def test_this_repository_passes() -> None:
    assert_clean(REPO_ROOT)


def test_this_repository_ignores_only_with_reasons() -> None:
    assert_every_ignore_is_reasoned_and_needed(REPO_ROOT)


def test_every_render_passes_with_both_engines(rendered_matrix: list[Rendered]) -> None:
    for rendered in rendered_matrix:
        for path in (rendered.by_copier, rendered.by_cookiecutter):
            assert_clean(path)


@pytest.mark.parametrize("example", [True, False], ids=["example", "bare"])
def test_the_template_ignores_only_with_reasons(rendered_matrix: list[Rendered], example: bool) -> None:
    rendered = next(r for r in rendered_matrix if r.answers["include_example"] is example)
    assert_every_ignore_is_reasoned_and_needed(rendered.by_copier)
