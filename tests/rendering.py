"""Render the template with the real copier and cookiecutter CLIs.

Both run as subprocesses, exactly as a data scientist would run them, so the
tests see the same validation messages and files a person would.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# The Databricks CLI's published bundle schema, vendored with its source (tests/schemas/databricks-bundle/).
BUNDLE_SCHEMA = REPO_ROOT / "tests" / "schemas" / "databricks-bundle" / "databricks-bundle.schema.json"
BIN = Path(sys.executable).parent
EXAMPLE_ANSWERS: dict[str, Any] = {
    "repo_name": "rtl-forecasting-demand-weekly",
    "description": "Weekly demand forecast per store",
    "project_kind": "batch",
    "team": "ds-rtl",
    "cost_center": "CC-1234",
    "python_version": "3.11",
    "auth_mode": "service-principal-secrets",
    "include_example": True,
}

# Batch: every auth mode x with/without the example x two Pythons, over names of each unit.
# Serving (which serves the example model): both auth modes, one per Python.
NAMES = [
    ("rtl-forecasting-demand-weekly", "ds-rtl"),
    ("ecm-personalization-recs-home-pg", "ml-platform"),
    ("sup-fraud-a", "ds-sup"),
]
MATRIX: list[dict[str, Any]] = [
    {
        **EXAMPLE_ANSWERS,
        "repo_name": NAMES[index % len(NAMES)][0],
        "team": NAMES[index % len(NAMES)][1],
        "auth_mode": auth,
        "include_example": example,
        "python_version": python,
    }
    for index, (auth, example, python) in enumerate(
        itertools.product(["service-principal-secrets", "oidc"], [True, False], ["3.11", "3.12"])
    )
] + [
    {
        **EXAMPLE_ANSWERS,
        "repo_name": NAMES[index][0],
        "team": NAMES[index][1],
        "project_kind": "serving",
        "auth_mode": auth,
        "python_version": python,
    }
    for index, (auth, python) in enumerate([("oidc", "3.11"), ("service-principal-secrets", "3.12")])
]


@dataclass(frozen=True)
class Rendered:
    """One answer set rendered by copier and by cookiecutter."""

    answers: dict[str, Any]
    by_copier: Path
    by_cookiecutter: Path

    @property
    def label(self) -> str:
        a = self.answers
        return (
            f"{a['repo_name']}/{a['project_kind']}/{a['auth_mode']}/"
            f"example={a['include_example']}/py{a['python_version']}"
        )


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def copier_copy(
    dst: Path, answers: dict[str, Any], template: Path = REPO_ROOT, check: bool = True, ref: str = "HEAD"
) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` with every answer given as --data, from `ref` of `template`."""
    args = [str(BIN / "copier"), "copy", "--trust", "--defaults", "--quiet", f"--vcs-ref={ref}"]
    for key, value in answers.items():
        args += ["--data", f"{key}={_value(value)}"]
    return subprocess.run([*args, str(template), str(dst)], capture_output=True, text=True, check=check)


def cookiecutter_render(
    output_dir: Path, answers: dict[str, Any], template: Path = REPO_ROOT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The documented cookiecutter command: `cookiecutter <repo> --directory template`."""
    args = [str(BIN / "cookiecutter"), "--no-input", "--output-dir", str(output_dir), str(template)]
    args += ["--directory", "template", *(f"{k}={_value(v)}" for k, v in answers.items())]
    return subprocess.run(args, capture_output=True, text=True, check=check)


def render(
    tmp_path: Path, answers: dict[str, Any] | None = None, template: Path = REPO_ROOT, ref: str = "HEAD"
) -> Path:
    """Render with copier into tmp_path/<repo_name> and return that directory."""
    answers = {**EXAMPLE_ANSWERS, **(answers or {})}
    dst: Path = tmp_path / str(answers["repo_name"])
    copier_copy(dst, answers, template, ref=ref)
    return dst


def copy_template(tmp_path: Path) -> Path:
    """A committed copy of this checkout, for tests that edit settings or sources."""
    dst = tmp_path / "goldenpath"
    shutil.copytree(
        REPO_ROOT,
        dst,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "demo"),
    )
    git(dst, "init", "-q", "-b", "main")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", "copy of goldenpath for a test")
    return dst


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity so commits work on a bare CI machine."""
    identity = ["-c", "user.name=goldenpath tests", "-c", "user.email=tests@goldenpath.invalid"]
    result = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout


def release(template: Path, version: str, note: str, edit: Callable[[Path], None] | None = None) -> None:
    """Make a throwaway release of a `copy_template` copy: `edit` its generated tree, bump the
    version, add a CHANGELOG section, commit and tag `v<version>`."""
    if edit:
        edit(template / "template" / "{{cookiecutter.repo_name}}")
    pyproject = template / "pyproject.toml"
    pyproject.write_text(
        re.sub(
            r'(?m)^version = "[^"]+"',
            f'version = "{version}"',
            pyproject.read_text(encoding="utf-8"),
            count=1,
        ),
        encoding="utf-8",
    )
    changelog = template / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    first = text.index("\n## ") + 1
    section = f"## [{version}] - 2026-11-26\n\n### Changed\n- {note}\n\n"
    changelog.write_text(text[:first] + section + text[first:], encoding="utf-8")
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", f"Release {version}: {note}")
    git(template, "tag", f"v{version}")
