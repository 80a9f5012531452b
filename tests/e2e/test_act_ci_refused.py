"""A generated repo's ci.yml, run with act, fails where it must: a failing test, a misnamed package.

Each case is a generated repo with one fault, whose caller leaves out the
optional type check and docs site job (`without_type_check_and_docs`): the run
proves where the lint-and-test job stops and that the build never starts. The
failing test sits in a repo without the example pipeline: the run is about the
job stopping, and without the example's dependencies its install takes seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e2e.ci_workflow import TEST_JOB, WORKFLOW, act_job, without_type_check_and_docs
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from goldenpath.naming import derive_names

pytestmark = pytest.mark.e2e


def test_a_failing_test_fails_ci(harness: Harness, tmp_path: Path) -> None:
    repo = GeneratedRepo.create(tmp_path, harness.settings, {"include_example": False})
    (repo.path / "tests" / "test_e2e_deliberate.py").write_text(
        'def test_e2e_deliberate_failure() -> None:\n    assert "forecast".upper() == "a deliberately wrong value"\n',
        encoding="utf-8",
    )
    without_type_check_and_docs(repo)
    repo.commit("A test that fails")
    run = harness.run(repo, WORKFLOW, "push")

    assert run.returncode != 0, run.tail()
    test_job = act_job(run, "test", TEST_JOB)
    assert run.jobs[test_job] == "failed"
    assert not any(label.startswith("build/") for label in run.jobs), "build ran although test failed"
    failed = [step for step, status in run.steps(test_job).items() if status == "Failure"]
    assert any("pytest" in step for step in failed), run.steps(test_job)
    assert "FAILED tests/test_e2e_deliberate.py::test_e2e_deliberate_failure" in run.text


def test_a_package_named_against_the_convention_fails_the_naming_step(
    harness: Harness, generated: GeneratedRepo, tmp_path: Path
) -> None:
    repo = generated.fork(tmp_path)
    package = derive_names(repo.name, harness.settings).package
    (repo.path / "src" / package).rename(repo.path / "src" / "forecast")
    # Keep it installable, importable and lint-clean, so only the naming check objects.
    for path in [
        repo.path / "pyproject.toml",
        *repo.path.glob("src/**/*.py"),
        *repo.path.glob("tests/**/*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(rf"\b{package}\b", "forecast", text), encoding="utf-8")
    without_type_check_and_docs(repo)
    repo.commit("Rename the package to forecast")
    run = harness.run(repo, WORKFLOW, "push")

    assert run.returncode != 0, run.tail()
    test_job = act_job(run, "test", TEST_JOB)
    steps = run.steps(test_job)
    failed = [step for step, status in steps.items() if status == "Failure"]
    assert failed and all("naming" in step.lower() or "check-repo" in step for step in failed), steps
    assert not any("pytest" in step for step in steps), steps
    # `goldenpath check-repo` reports `file:line: rule: message`, pointing at the renamed package.
    problems = re.findall(
        rf"\[{re.escape(test_job)}\s*\]\s+\| (\S+):(\d+): ([a-z][a-z0-9-]*): (.*)$", run.text, re.M
    )
    assert any("src/forecast" in message for *_, message in problems), problems or run.tail()
    for file, _, _, _ in problems:
        assert (repo.path / file).is_file(), file
