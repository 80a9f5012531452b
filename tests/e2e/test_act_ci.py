"""A generated repo's ci.yml, run with act, really runs the central test and build workflows.

One run, a push to main of the example repo as generated (test, docs and build
jobs), shared by every test here; the failure cases are in test_act_ci_refused.py.
"""

from __future__ import annotations

import ast
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile

import pytest

from e2e.act_run import ActRun
from e2e.ci_workflow import DOCS_JOB, TEST_JOB, WORKFLOW, act_job, caller_jobs
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from goldenpath.naming import derive_names

pytestmark = pytest.mark.e2e


def generated_test_functions(repo: GeneratedRepo) -> dict[str, list[ast.FunctionDef]]:
    """tests/test_*.py of the generated repo -> its `test_*` functions."""
    found = {}
    for path in sorted((repo.path / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        ]
        found[path.relative_to(repo.path).as_posix()] = tests
    return found


def needs_spark(test: ast.FunctionDef) -> bool:
    """Tests taking the `spark` fixture skip where pyspark is not installed, as in CI.

    The central test workflow installs the project as locked, without pyspark (Databricks
    brings its own); tests/test_generated_repo.py runs these on local Spark.
    """
    return any(arg.arg == "spark" for arg in test.args.args)


@pytest.fixture(scope="module")
def ci_push(harness: Harness, generated: GeneratedRepo) -> ActRun:
    # pytest reads PYTEST_ADDOPTS: -v makes it name every passing test, which the
    # shipped command (rightly) does not; nothing else about the run changes.
    return harness.run(generated, WORKFLOW, "push", env={"PYTEST_ADDOPTS": "-v"})


def test_ci_on_push_to_main_succeeds_through_the_central_workflows(
    ci_push: ActRun, harness: Harness, generated: GeneratedRepo
) -> None:
    assert ci_push.returncode == 0, ci_push.tail()
    slug, line = harness.settings.central_slug, harness.settings.release_line
    called = {job_id: job["uses"] for job_id, job in caller_jobs(generated).items()}
    assert called, "ci.yml calls no reusable workflow"
    for job_id, uses in called.items():
        assert uses.startswith(f"{slug}/.github/workflows/") and uses.endswith(f"@{line}"), uses
        labels = [label for label in ci_push.jobs if label.startswith(f"{job_id}/")]
        assert labels and all(ci_push.jobs[label] == "succeeded" for label in labels), ci_push.jobs
        workflow_file = uses.removeprefix(f"{slug}/").removesuffix(f"@{line}")
        # act read the workflow from the central snapshot, at the release line.
        assert (line, workflow_file) in ci_push.resolved(slug), sorted(ci_push.resolved(slug))
    # ... and the composite actions those workflows use, at the exact version tag.
    actions = {path for ref, path in ci_push.resolved(slug) if ref == harness.central_refs[1]}
    assert {"actions/setup-python-poetry/action.yml", "actions/check-naming/action.yml"} <= actions
    # The generated ci.yml opts in to the type check and the docs site: both ran and passed.
    assert ci_push.steps(act_job(ci_push, "test", TEST_JOB)).get("mypy") == "Success"
    docs_steps = ci_push.steps(act_job(ci_push, "test", DOCS_JOB))
    assert docs_steps.get("mkdocs build --strict") == "Success", docs_steps


def test_ci_runs_the_generated_repos_own_tests(ci_push: ActRun, generated: GeneratedRepo) -> None:
    log = ci_push.text
    functions = generated_test_functions(generated)
    assert functions and all(functions.values()), functions
    spark = [(file, test.name) for file, tests in functions.items() for test in tests if needs_spark(test)]
    for test_file, tests in functions.items():
        for test in tests:
            outcome = "SKIPPED" if (test_file, test.name) in spark else "PASSED"
            seen = rf"\| {re.escape(test_file)}::{test.name}(\[[^\]]*\])? \S*{outcome}"
            assert re.search(seen, log), f"{test_file}::{test.name} not {outcome}\n{ci_push.tail()}"
    assert log.count("Spark tests need pyspark") == len(spark), "a Spark test skipped for another reason"
    summary = re.findall(r"=+ (\d+) passed\b(.*?) in [0-9.]+s", log)
    assert len(summary) == 1, summary
    passed_count, rest = summary[0]
    assert int(passed_count) >= sum(map(len, functions.values())) - len(spark)
    assert "failed" not in rest and "error" not in rest


def test_ci_uploads_the_wheel_and_the_coverage_report(
    ci_push: ActRun, harness: Harness, generated: GeneratedRepo
) -> None:
    project = tomllib.loads((generated.path / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    package = derive_names(generated.name, harness.settings).package
    wheel_name = f"{project['name'].replace('-', '_')}-{project['version']}-py3-none-any.whl"
    uploaded = sorted(path.relative_to(ci_push.artifacts).as_posix() for path in ci_push.artifacts.rglob("*"))
    wheels = sorted(ci_push.artifacts.glob(f"*/{wheel_name}"))
    assert len(wheels) == 1, uploaded
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert f"{package}/__init__.py" in wheel.namelist()

    reports = sorted(ci_push.artifacts.glob("*/coverage.xml"))
    assert len(reports) == 1, uploaded
    coverage = ET.parse(reports[0]).getroot()  # noqa: S314 - written by our own run
    measured = {cls.get("filename", "") for cls in coverage.iter("class")}
    assert any(package in name for name in measured) or any(
        package in (s.text or "") for s in coverage.iter("source")
    )
    threshold = float(caller_jobs(generated)["test"]["with"]["coverage-threshold"])
    assert float(coverage.attrib["line-rate"]) * 100 >= threshold
