"""check-repo's A/B rule on a rendered serving repo: a well-formed test passes, each malformation is named."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from goldenpath import ab_config
from goldenpath.ab_config import AB_FILE, Experiment, write_target
from goldenpath.check.repo import check_repo, inspect_repo
from goldenpath.settings import load_settings
from rendering import EXAMPLE_ANSWERS, copier_copy

SETTINGS = load_settings()
TEST = Experiment(
    "2", 10, "20260504-v2-a1b2c3", date(2026, 5, 4), "", "prediction", "continuous", 5.0, "", "request_id"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("check-ab") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(path, {**EXAMPLE_ANSWERS, "project_kind": "serving"})
    return path


@pytest.fixture
def repo(rendered: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(rendered, tmp_path / rendered.name))


def findings(repo: Path) -> list[str]:
    return [str(finding) for finding in check_repo(repo, SETTINGS)]


def test_a_serving_repo_with_and_without_a_test_passes(repo: Path) -> None:
    assert findings(repo) == []
    write_target(repo, "prd", TEST)
    assert findings(repo) == []


def append(repo: Path, text: str) -> None:
    path = repo / ab_config.AB_FILE
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_malformed_test_is_named_with_its_line(repo: Path) -> None:
    before = len((repo / ab_config.AB_FILE).read_text(encoding="utf-8").splitlines())
    append(
        repo,
        "targets:\n  prd:\n    variables:\n      ab_challenger: '2'\n      ab_percent: '70'\n"
        "      ab_salt: 'x'\n      ab_start_date: '2026-13-01'\n  staging:\n    variables:\n      ab_percent: '10'\n",
    )
    assert findings(repo) == [
        f"resources/ab.yml:{before + 5}: ab-experiment: prd: ab_percent is '70'; expected a whole number from 1 to 50",
        f"resources/ab.yml:{before + 6}: ab-experiment: prd: ab_salt is 'x'; expected 4-64 letters, digits, '.', '_' or '-'",
        f"resources/ab.yml:{before + 7}: ab-experiment: prd: ab_start_date is '2026-13-01'; expected a date as YYYY-MM-DD",
        f"resources/ab.yml:{before + 9}: ab-target: targets.staging is not a target of databricks.yml (dev, acc, prd)",
    ]


def test_a_default_challenger_and_a_missing_variable_are_refused(repo: Path) -> None:
    path = repo / ab_config.AB_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count('default: ""') > 1  # the challenger's is the first
    path.write_text(
        text.replace('default: ""', 'default: "3"', 1).replace("  ab_kpi_join:", "  ab_kpi_joins:")
    )
    found = findings(repo)
    assert any(
        "ab-variable: ab_challenger has a default, which would run the experiment in every target" in f
        for f in found
    )
    assert any("ab-variable: ab_kpi_join is not declared" in f for f in found)


def test_a_rollout_that_does_not_pass_the_test_is_refused(repo: Path) -> None:
    job = repo / "resources" / "pipeline_job.yml"
    job.write_text(job.read_text(encoding="utf-8").replace("${var.ab_salt}", "fixed-salt"), encoding="utf-8")
    (found,) = findings(repo)
    assert found.startswith("resources/pipeline_job.yml:")
    assert "ab-rollout: the rollout task does not pass --ab-salt ${var.ab_salt}" in found


def test_a_missing_config_is_refused(repo: Path) -> None:
    (repo / ab_config.AB_FILE).unlink()
    (found,) = findings(repo)
    assert "ab-config" in found and "restore it from the template" in found


def test_a_serving_repo_from_before_ab_testing_passes_until_an_update_brings_it(
    repo: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(repo, old)
    (old / AB_FILE).unlink()
    for router in old.glob("src/*/router.py"):
        router.unlink()
    checked = inspect_repo(old, SETTINGS)
    assert [str(f) for f in checked.findings if "ab-" in f.rule] == []
    assert f"no A/B testing yet (no {AB_FILE}; goldenpath update brings it)" in checked.summary
