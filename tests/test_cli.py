"""The `goldenpath` CLI contract: exit codes 0/1/2, messages, and --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rendering import REPO_ROOT, render

GOLDENPATH = str(Path(sys.executable).parent / "goldenpath")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GOLDENPATH, *args], capture_output=True, text=True, env=env, check=False)


def test_valid_name_exits_zero() -> None:
    result = run("check-name", "rtl-forecasting-demand-weekly")
    assert result.returncode == 0
    assert "is a valid repo name" in result.stdout


def test_invalid_name_names_rules_and_suggests() -> None:
    result = run("check-name", "RTL_Forecasting--Demand")
    assert result.returncode == 1
    assert "charset:" in result.stderr
    assert "did you mean 'rtl-forecasting-demand'?" in result.stderr


def test_unknown_unit_message() -> None:
    result = run("check-name", "rtll-forecasting-demand")
    assert result.returncode == 1
    assert "unit 'rtll' is not one of ecm, rtl, sup; did you mean 'rtl'?" in result.stderr


def test_json_result_for_workflows() -> None:
    result = run("check-name", "rtll-forecasting-demand", "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["violations"][0]["rule"] == "unit"
    assert payload["suggestion"] == "rtl-forecasting-demand"
    ok = json.loads(run("check-name", "rtl-forecasting-demand", "--json").stdout)
    assert ok == {
        "name": "rtl-forecasting-demand",
        "kind": "repo",
        "valid": True,
        "violations": [],
        "suggestion": None,
    }


@pytest.mark.parametrize(
    ("kind", "name", "code"),
    [("package", "rtl_forecasting", 0), ("package", "class", 1), ("uc-schema", "a.b", 1), ("job", "Job!", 1)],
)
def test_kinds(kind: str, name: str, code: int) -> None:
    assert run("check-name", name, "--kind", kind).returncode == code


def test_team_permission() -> None:
    assert run("check-name", "rtl-forecasting-demand", "--team", "ds-rtl").returncode == 0
    denied = run("check-name", "ecm-pricing-promo", "--team", "ds-rtl")
    assert denied.returncode == 1
    assert "team 'ds-rtl' may only create repositories of unit rtl" in denied.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["check-name"],
        ["check-name", "x", "--kind", "nope"],
        ["frobnicate"],
        ["check-name", "x", "--bogus"],
    ],
)
def test_usage_errors_exit_two(args: list[str]) -> None:
    assert run(*args).returncode == 2


def test_broken_settings_exit_two_with_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "goldenpath.yml"
    broken.write_text((REPO_ROOT / "goldenpath.yml").read_text().replace("org: acme-retail", "org: ''"))
    result = run("check-name", "rtl-forecasting-demand", "--settings", str(broken))
    assert result.returncode == 2
    assert "github.org must be a non-empty string" in result.stderr


@pytest.mark.parametrize("hostile", ["a;rm -rf /tmp/x", "$(touch pwned)", "`touch pwned`", "x\ntouch pwned"])
def test_injection_strings_are_refused_and_never_run(hostile: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [GOLDENPATH, "check-name", hostile], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    assert not (tmp_path / "pwned").exists()
    assert repr(hostile) in result.stderr  # echoed only as a quoted Python literal


def test_the_cli_starts_without_importing_the_heavy_clients() -> None:
    """Every command, the pre-commit naming hook included, starts fast: githubkit,
    databricks-sdk and copier load only in the commands that use them."""
    probe = "import sys, goldenpath.cli; print(sorted({m.split('.')[0] for m in sys.modules} & {'githubkit', 'databricks', 'copier'}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["check-repo", "/nonexistent"],
        ["update", "--check", "--path", "/nonexistent"],
        ["databricks", "preflight", "--target", "acc", "--path", "/nonexistent"],
        ["trace", "abcdef1", "--path", "/nonexistent"],
        ["pin-refs", "--root", "/nonexistent"],
    ],
)
def test_a_path_that_does_not_exist_is_a_usage_error_naming_it(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "/nonexistent does not exist" in result.stderr
    assert "Traceback" not in result.stderr and "naming" not in result.stderr


def test_check_repo_says_what_it_checked_when_it_passes(tmp_path: Path) -> None:
    repo = render(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_REPOSITORY"}
    result = run("check-repo", str(repo), env=env)
    assert result.returncode == 0, result.stderr
    said = result.stdout
    assert f"{repo.name}: names agree with the convention" in said
    assert f"package src/{repo.name.replace('-', '_')}" in said and "databricks.yml" in said
    assert "resources/pipeline_job.yml" in said and "2 job(s)" in said


def test_a_team_refused_for_a_unit_is_pointed_at_that_units_teams() -> None:
    denied = run("check-name", "ecm-pricing-promo", "--team", "ds-rtl")
    assert denied.returncode == 1
    assert "for example 'ds-ecm', 'ml-platform'" in denied.stderr  # from the settings, the unit's own first
