"""`goldenpath new`: copier's API behind readable refusals, nothing half-written, next steps printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from goldenpath.new.render import next_steps
from rendering import EXAMPLE_ANSWERS

GOLDENPATH = str(Path(sys.executable).parent / "goldenpath")
NAME = EXAMPLE_ANSWERS["repo_name"]


def new(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GOLDENPATH, "new", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def assert_one_paragraph(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("goldenpath new: ")


def test_a_bad_team_is_one_paragraph_exit_1_and_nothing_created(tmp_path: Path) -> None:
    result = new(tmp_path, "--defaults", "--data", f"repo_name={NAME}", "--data", "team=ds-ecm")
    assert result.returncode == 1
    assert_one_paragraph(result.stderr)
    assert "team 'ds-ecm' may only create repositories of unit ecm, not 'rtl'" in result.stderr
    assert "for example 'ds-rtl', 'ml-platform'" in result.stderr  # the teams of unit rtl
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_bad_repo_name_lists_every_rule_and_an_example_in_one_paragraph(tmp_path: Path) -> None:
    result = new(tmp_path, "out", "--defaults", "--data", "repo_name=rtll-forecasting-$(id)")
    assert result.returncode == 1
    assert_one_paragraph(result.stderr)
    assert "charset:" in result.stderr and "did you mean 'rtl-forecasting-id'?" in result.stderr
    assert "for example 'rtl-forecasting-demand-weekly'" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("description=line one\nline two", "U+000A"),
        ("python_version=2.7", "'2.7'"),
        ("include_example=maybe", "expected true or false"),
    ],
)
def test_other_bad_answers_are_refused_the_same_way(tmp_path: Path, data: str, fragment: str) -> None:
    result = new(tmp_path, "--defaults", "--data", f"repo_name={NAME}", "--data", data)
    assert result.returncode == 1
    assert_one_paragraph(result.stderr)
    assert fragment in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_an_existing_empty_destination_is_left_in_place_on_refusal(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    result = new(tmp_path, "here", "--defaults", "--data", f"repo_name={NAME}", "--data", "team=ds-ecm")
    assert result.returncode == 1
    assert list((tmp_path / "here").iterdir()) == []


def test_a_non_empty_destination_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = new(tmp_path, "busy", "--defaults", "--data", f"repo_name={NAME}")
    assert result.returncode == 1
    assert_one_paragraph(result.stderr)
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--data", "team"], "is not KEY=VALUE"),
        (["--data", "=ds-rtl"], "is not KEY=VALUE"),
        (["--data", "colour=blue"], "'colour' is not a question"),
        (["--data", f"repo_name={NAME}", "--data", f"repo_name={NAME}"], "given twice"),
        (["--defaults"], "give DEST or --data repo_name="),
    ],
)
def test_data_that_cannot_be_parsed_is_a_usage_error(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = new(tmp_path, *args)
    assert result.returncode == 2
    assert_one_paragraph(result.stderr)
    assert fragment in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_answers_without_a_terminal_say_how_to_give_them(tmp_path: Path) -> None:
    result = new(tmp_path, "--data", f"repo_name={NAME}")
    assert result.returncode == 2
    assert "--data KEY=VALUE" in result.stderr and "--defaults" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_good_render_creates_the_repo_and_prints_the_next_steps(tmp_path: Path) -> None:
    result = new(
        tmp_path, "--defaults", "--data", f"repo_name={NAME}", "--data", 'description=Forecast "weekly"'
    )
    assert result.returncode == 0, result.stderr
    repo = tmp_path / NAME
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["description"] == 'Forecast "weekly"'
    assert (repo / "pyproject.toml").is_file()
    for step in (
        f"cd {NAME}",
        "poetry install",
        "poetry run pytest",
        "poetry run mlflow ui --backend-store-uri sqlite:///mlflow.db",
        "databricks bundle deploy -t dev",
        "main deploys",
    ):
        assert step in result.stdout
    assert result.stdout.index("poetry install") < result.stdout.index("poetry run pytest")


@pytest.mark.slow
def test_without_the_example_there_is_no_mlflow_step(tmp_path: Path) -> None:
    result = new(
        tmp_path, "repo", "--defaults", "--data", f"repo_name={NAME}", "--data", "include_example=false"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "repo" / "pyproject.toml").is_file()
    assert "mlflow" not in result.stdout


@pytest.mark.parametrize(
    ("dont_write_bytecode", "install"), [("1", "poetry install --compile"), (None, "poetry install")]
)
def test_the_install_step_compiles_where_python_caches_no_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dont_write_bytecode: str | None, install: str
) -> None:
    (tmp_path / ".copier-answers.yml").write_text(f"repo_name: {NAME}\ninclude_example: true\n")
    if dont_write_bytecode is None:
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    else:
        monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", dont_write_bytecode)
    [step] = [
        line.split("#")[0].strip()
        for line in next_steps(tmp_path, "src").splitlines()
        if "poetry install" in line
    ]
    assert step == install


def test_a_destination_under_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = new(tmp_path, "notes.txt/repo", "--defaults", "--data", f"repo_name={NAME}")
    assert result.returncode == 2
    assert_one_paragraph(result.stderr)
    assert "notes.txt is a file, not a directory" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(("kind", "scores"), [("serving", True), ("batch", False)])
def test_the_next_steps_of_a_serving_repo_include_scoring(tmp_path: Path, kind: str, scores: bool) -> None:
    (tmp_path / ".copier-answers.yml").write_text(
        f"repo_name: {NAME}\nproject_kind: {kind}\ninclude_example: true\n"
    )
    steps = next_steps(tmp_path, "src")
    assert (f"poetry run {NAME} --score <model_uri>" in steps) is scores
