"""The one bundle reader: the Databricks CLI's `include:` rules and target merge, for every consumer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from goldenpath.bundle import checkout_files, glob_match, line_of, read_bundle
from goldenpath.check.repo import check_repo
from goldenpath.databricks.bundle import load_bundle
from goldenpath.fleet.facts import RepoFacts
from goldenpath.fleet.protection import Approvals
from goldenpath.fleet.statements.subject import Subject
from goldenpath.fleet.statements.traceability import traceable
from goldenpath.settings import load_settings
from rendering import render

SETTINGS = load_settings()
ROOT = """\
bundle:
  name: demo
include:
  - resources/*.yml
  - jobs/*.yml
  - resources/b.yml
variables:
  catalog:
    default: dev_rtl
  schema:
    default: forecasting_demand
workspace:
  host: https://top.example
resources:
  jobs:
    pipeline:
      name: demo-pipeline
      tasks:
        - task_key: train
          python_wheel_task: {package_name: demo, entry_point: demo}
        - task_key: score
          python_wheel_task: {package_name: demo, entry_point: score}
targets:
  dev:
    default: true
    mode: development
  acc:
    workspace:
      host: https://acc.example
    variables:
      catalog: acc_rtl
    run_as:
      service_principal_name: sp-acc
    resources:
      jobs:
        pipeline:
          tasks:
            - task_key: train
              python_wheel_task: {entry_point: demo-acc}
"""
FILES = {
    "databricks.yml": ROOT,
    "resources/b.yml": "resources:\n  model_serving_endpoints:\n    serving: {name: demo-serving}\n",
    "resources/a.yml": "resources:\n  registered_models:\n    model: {name: demo_model}\n",
    "resources/notes.txt": "not YAML",
    "jobs/nightly.yml": "resources:\n  jobs:\n    nightly:\n      name: demo-nightly\n",
    "jobs/old/legacy.yml": "resources:\n  jobs:\n    legacy: {name: never-loaded}\n",
    "README.md": "# demo\n",
}


def test_includes_from_two_folders_load_in_the_clis_order() -> None:
    bundle = read_bundle(FILES)
    assert bundle is not None
    # Each entry's matches sorted, entries in order, a file matched twice loaded once.
    assert [file.path for file in bundle.files] == [
        "databricks.yml",
        "resources/a.yml",
        "resources/b.yml",
        "jobs/nightly.yml",
    ]
    assert set(bundle.jobs) == {"pipeline", "nightly"}, "`*` stays within one folder, as in Go's Glob"
    assert bundle.jobs["nightly"][0] == "jobs/nightly.yml"
    assert set(bundle.declared("model_serving_endpoints")) == {"serving"}
    assert bundle.problems == ()


def test_what_the_cli_refuses_is_a_problem() -> None:
    files = {
        **FILES,
        "databricks.yml": ROOT.replace("  - resources/b.yml", "  - resources/*\n  - conf/missing.yml"),
        "jobs/nightly.yml": "resources: [unclosed",
    }
    bundle = read_bundle(files)
    assert bundle is not None
    problems = "\n".join(bundle.problems)
    assert "resources/notes.txt: included by 'resources/*', but only YAML files can be included" in problems
    assert "include 'conf/missing.yml' does not match any file" in problems
    assert "jobs/nightly.yml is not valid YAML" in problems
    assert read_bundle({"README.md": "# no bundle"}) is None


def test_a_target_merges_over_the_top_level_like_the_cli() -> None:
    bundle = read_bundle(FILES)
    assert bundle is not None
    assert bundle.default_target == "dev"
    acc, dev = bundle.target("acc"), bundle.target("dev")
    assert (acc.host, dev.host) == ("https://acc.example", "https://top.example")
    assert (acc.development, dev.development) == (False, True)
    assert acc.run_as == {"service_principal_name": "sp-acc"} and dev.run_as == {}
    assert acc.variables == {"catalog": "acc_rtl", "schema": "forecasting_demand"}
    assert dev.variables["catalog"] == "dev_rtl"
    train, score = acc.resources("jobs")["pipeline"]["tasks"]
    # The task with the same task_key is merged, not appended; the others are kept.
    assert train["python_wheel_task"] == {"package_name": "demo", "entry_point": "demo-acc"}
    assert score["task_key"] == "score"
    assert dev.resources("jobs")["pipeline"]["tasks"][0]["python_wheel_task"]["entry_point"] == "demo"
    assert set(acc.resources("jobs")) == {"pipeline", "nightly"}


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("resources/*.yml", "resources/a.yml", True),
        ("resources/*.yml", "resources/sub/a.yml", False),
        ("resources/**/*.yml", "resources/sub/a.yml", True),
        ("resources/**/*.yml", "resources/a.yml", False),
        ("res?urces/[ab].yml", "resources/b.yml", True),
        ("resources/[^ab].yml", "resources/a.yml", False),
        ("resources/[^ab].yml", "resources/c.yml", True),
        ("*.yml", "databricks.yml", True),
    ],
)
def test_globs_match_one_segment_at_a_time(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches


def test_a_checkout_reads_exactly_the_files_the_bundle_loads(tmp_path: Path) -> None:
    for path, text in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    from_disk = read_bundle(checkout_files(tmp_path))
    from_mapping = read_bundle(FILES)
    assert from_disk is not None and from_mapping is not None
    assert [f.path for f in from_disk.files] == [f.path for f in from_mapping.files]
    assert line_of(ROOT, "targets:") == ROOT.splitlines().index("targets:") + 1
    assert line_of(ROOT, "no such text") is None


@pytest.fixture(scope="module")
def two_folder_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated repo whose job moved to jobs/, included beside resources/."""
    repo = render(tmp_path_factory.mktemp("two-folders"))
    (repo / "jobs").mkdir()
    shutil.move(repo / "resources" / "pipeline_job.yml", repo / "jobs" / "pipeline_job.yml")
    bundle = repo / "databricks.yml"
    config = yaml.safe_load(bundle.read_text())
    assert config["include"] == ["resources/*.yml"]
    bundle.write_text(
        bundle.read_text().replace("  - resources/*.yml", "  - resources/*.yml\n  - jobs/*.yml")
    )
    return repo


def test_check_repo_and_the_databricks_commands_read_the_same_two_folders(
    two_folder_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert check_repo(two_folder_repo, SETTINGS) == []
    acc = load_bundle(two_folder_repo, "acc")
    assert acc.job_name == f"{two_folder_repo.name}-pipeline"
    job_file = two_folder_repo / "jobs" / "pipeline_job.yml"
    job_file.write_text(job_file.read_text().replace(acc.job_name, "renamed-by-hand"))
    (finding,) = check_repo(two_folder_repo, SETTINGS)
    assert finding.path == "jobs/pipeline_job.yml" and finding.rule == "job-name"
    assert load_bundle(two_folder_repo, "acc").job_name == "renamed-by-hand"


def test_the_fleet_judges_a_job_in_the_second_folder(two_folder_repo: Path) -> None:
    """The fleet's statements read the same bundle from the files the GitHub API gave them."""
    files = checkout_files(two_folder_repo)
    facts = RepoFacts(
        "o/r", "https://x/o/r", "main", dict.fromkeys(files, "sha"), files, True, Approvals(1), ()
    )
    verdict = traceable(Subject.of(facts, [], SETTINGS))
    assert verdict.result == "pass", verdict.reason
    evidence = {evidence.ref.split(":")[0] for evidence in verdict.evidence}
    assert evidence == {"jobs/pipeline_job.yml", "resources/monitoring.yml"}
