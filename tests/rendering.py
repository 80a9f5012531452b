"""Render the template with the real copier and cookiecutter CLIs.

Both run as subprocesses, exactly as a data scientist would run them, so the
tests see the same validation messages and files a person would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE_ANSWERS: dict[str, Any] = {
    "repo_name": "rtl-forecasting-demand-weekly",
    "description": "Weekly demand forecast per store",
    "team": "ds-rtl",
    "cost_center": "CC-1234",
    "python_version": "3.11",
    "auth_mode": "service-principal-secrets",
    "include_example": True,
}


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def copier_copy(
    dst: Path, answers: dict[str, Any], template: Path = REPO_ROOT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` with every answer given as --data."""
    args = [str(BIN / "copier"), "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD"]
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


def render(tmp_path: Path, answers: dict[str, Any] | None = None, template: Path = REPO_ROOT) -> Path:
    """Render with copier into tmp_path/<repo_name> and return that directory."""
    answers = {**EXAMPLE_ANSWERS, **(answers or {})}
    dst = tmp_path / answers["repo_name"]
    copier_copy(dst, answers, template)
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
