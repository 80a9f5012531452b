"""`goldenpath check-repo`, directly and as the real pre-commit hook."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from goldenpath.check.repo import check_repo
from goldenpath.refs import expected_ref, project_version
from goldenpath.settings import load_settings
from rendering import REPO_ROOT, copy_template, git, render

SETTINGS = load_settings()
JOB_FILE = "resources/pipeline_job.yml"


@pytest.fixture(autouse=True)
def _no_github_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("generated"))


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / generated.name
    shutil.copytree(generated, copy)
    return copy


def findings(path: Path) -> list[str]:
    return [str(f) for f in check_repo(path, SETTINGS)]


def test_fresh_repo_is_clean(repo: Path) -> None:
    assert findings(repo) == []


def test_renamed_job_is_reported_with_file_and_line(repo: Path) -> None:
    job_file = repo / JOB_FILE
    text = job_file.read_text()
    job_file.write_text(text.replace("rtl-forecasting-demand-weekly-pipeline", "my-job"))
    line = next(n for n, t in enumerate(job_file.read_text().splitlines(), 1) if "my-job" in t)
    assert f"{JOB_FILE}:{line}: job-name: resources.jobs.pipeline.name is 'my-job', expected " in "\n".join(
        findings(repo)
    )


def test_renamed_package_directory_is_reported(repo: Path) -> None:
    (repo / "src" / "rtl_forecasting_demand_weekly").rename(repo / "src" / "forecast")
    [finding] = findings(repo)
    assert re.match(
        r"pyproject\.toml:\d+: package-dir: expected package directory src/rtl_forecasting", finding
    )


def test_renamed_entry_point_is_reported_in_both_files(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('rtl-forecasting-demand-weekly = "', 'forecast = "'))
    job_file = repo / JOB_FILE
    job_file.write_text(
        job_file.read_text().replace("entry_point: rtl-forecasting-demand-weekly", "entry_point: forecast")
    )
    found = findings(repo)
    assert any(
        re.match(
            r"pyproject\.toml:\d+: entry-point: \[project\.scripts\] has no 'rtl-forecasting-demand-weekly'.*found 'forecast'",
            f,
        )
        for f in found
    ), found
    assert any(
        f.startswith(f"{JOB_FILE}:")
        and "wheel-entry-point: task 0 python_wheel_task.entry_point is 'forecast'" in f
        for f in found
    ), found


def test_wrong_catalog_and_tag(repo: Path) -> None:
    bundle = repo / "databricks.yml"
    bundle.write_text(bundle.read_text().replace("acc_rtl", "acc_ecm"))
    job_file = repo / JOB_FILE
    job_file.write_text(re.sub(r"cost_center: .*", "cost_center: marketing", job_file.read_text()))
    found = "\n".join(findings(repo))
    assert "databricks.yml:" in found
    assert "uc-catalog: targets.acc.variables.catalog is 'acc_ecm', expected 'acc_rtl'" in found
    assert "tag-cost-center: 'marketing' must match ^CC-[0-9]{4}$, for example 'CC-0000'" in found


def test_ci_repository_name_wins(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme-retail/rtl-forecasting-tmp")
    assert findings(repo) == [
        "GITHUB_REPOSITORY:0: reserved-word: repo name 'rtl-forecasting-tmp': 'tmp' is reserved (tmp, temp, test)"
    ]


SERVING_FILE = "resources/serving.yml"


@pytest.fixture(scope="module")
def generated_serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("generated-serving"), {"project_kind": "serving"})


@pytest.fixture
def serving_repo(generated_serving: Path, tmp_path: Path) -> Path:
    copy = tmp_path / generated_serving.name
    shutil.copytree(generated_serving, copy)
    return copy


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once and return the 1-based line where `new` now starts."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def test_fresh_serving_repo_is_clean(serving_repo: Path) -> None:
    assert findings(serving_repo) == []


def test_renamed_endpoint_is_reported_with_file_and_line(serving_repo: Path) -> None:
    line = edit(
        serving_repo / SERVING_FILE,
        "name: rtl-forecasting-demand-weekly-serving",
        "name: demand-api",
    )
    assert findings(serving_repo) == [
        f"{SERVING_FILE}:{line}: endpoint-name: resources.model_serving_endpoints.serving.name is "
        "'demand-api', expected 'rtl-forecasting-demand-weekly-serving'"
    ]


def test_endpoint_without_inference_table_is_reported(serving_repo: Path) -> None:
    edit(
        serving_repo / SERVING_FILE,
        "          enabled: true\n          catalog_name",
        "          enabled: false\n          catalog_name",
    )
    [finding] = findings(serving_repo)
    assert re.match(rf"{SERVING_FILE}:\d+: inference-table: endpoint 'serving' logs no requests", finding)


def test_inference_table_outside_the_project_schema_is_reported(serving_repo: Path) -> None:
    edit(serving_repo / SERVING_FILE, "table_name_prefix: demand_weekly_model", "table_name_prefix: x")
    [finding] = findings(serving_repo)
    assert "inference table table_name_prefix is 'x', expected 'demand_weekly_model'" in finding


def test_legacy_auto_capture_config_also_logs_requests(serving_repo: Path) -> None:
    serving_file = serving_repo / SERVING_FILE
    bundle = yaml.safe_load(serving_file.read_text())
    endpoint = bundle["resources"]["model_serving_endpoints"]["serving"]
    endpoint["config"] = {"auto_capture_config": endpoint.pop("ai_gateway")["inference_table_config"]}
    serving_file.write_text(yaml.safe_dump(bundle))
    assert findings(serving_repo) == []


def test_endpoint_tags_are_the_jobs_cost_tags(serving_repo: Path) -> None:
    edit(
        serving_repo / SERVING_FILE,
        '- key: cost_center\n          value: "CC-1234"',
        '- key: cost_centre\n          value: "CC-1234"',
    )
    edit(serving_repo / SERVING_FILE, 'value: "ds-rtl"', 'value: "ds-unknown"')
    found = "\n".join(findings(serving_repo))
    assert "tag-missing: endpoint 'serving' has no 'cost_center' tag" in found
    assert "tag-team: team 'ds-unknown' is not one of" in found


def test_serving_repo_without_an_endpoint_is_reported(serving_repo: Path) -> None:
    (serving_repo / SERVING_FILE).unlink()
    [finding] = findings(serving_repo)
    assert re.match(
        r"\.copier-answers\.yml:\d+: serving-endpoint: project_kind is 'serving' but no bundle", finding
    )


@pytest.mark.slow
def test_pre_commit_hook_passes_then_fails_after_hand_renames(generated: Path, tmp_path: Path) -> None:
    central = copy_template(tmp_path)
    git(central, "tag", expected_ref(project_version(REPO_ROOT)))  # the rev generated repos pin
    repo = tmp_path / "repo"
    shutil.copytree(generated, repo)
    config = repo / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace(f"https://github.com/{SETTINGS.central_slug}", str(central)))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("GITHUB_REPOSITORY", None)
    pre_commit = [
        str(Path(sys.executable).parent / "pre-commit"),
        "run",
        "goldenpath-check-repo",
        "--all-files",
    ]

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True, check=False)

    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr

    job_file = repo / JOB_FILE
    job_file.write_text(job_file.read_text().replace("rtl-forecasting-demand-weekly-pipeline", "renamed"))
    (repo / "src" / "rtl_forecasting_demand_weekly").rename(repo / "src" / "renamed")
    git(repo, "add", "-A")
    failed = hook()
    assert failed.returncode == 1
    assert re.search(rf"{JOB_FILE}:\d+: job-name: ", failed.stdout)
    assert re.search(r"pyproject\.toml:\d+: package-dir: ", failed.stdout)


def test_rollout_to_another_endpoint_is_reported(serving_repo: Path) -> None:
    edit(
        serving_repo / "resources" / "pipeline_job.yml",
        "- --endpoint\n              - rtl-forecasting-demand-weekly-serving",
        "- --endpoint\n              - demand-api",
    )
    [finding] = findings(serving_repo)
    assert re.match(
        r"resources/pipeline_job\.yml:\d+: endpoint-name: task 1 rolls out to --endpoint 'demand-api', "
        r"expected 'rtl-forecasting-demand-weekly-serving'$",
        finding,
    )
