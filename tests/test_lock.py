"""The toolchain is locked: one lock file, checked fresh, and every copy of a pin agrees with it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from goldenpath.refs import lock_problems, project_version
from release_tree import relock_version
from rendering import REPO_ROOT

UV = Path(sys.executable).parent / "uv"


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))
    (entry,) = [p for p in lock["package"] if p["name"] == package]
    return str(entry["version"])


def test_lock_is_current_with_pyproject() -> None:
    result = subprocess.run([UV, "lock", "--check"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"uv.lock is stale; run scripts/lock\n{result.stderr}"


def test_action_requirements_are_the_locked_runtime_dependencies() -> None:
    exported = subprocess.run(
        [
            UV,
            "export",
            "--quiet",
            "--locked",
            "--no-dev",
            "--no-emit-project",
            "--no-header",
            "--format",
            "requirements.txt",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (REPO_ROOT / "actions" / "install-goldenpath" / "requirements.txt").read_text(
        encoding="utf-8"
    )
    assert committed == exported, (
        "actions/install-goldenpath/requirements.txt differs from uv.lock; run scripts/lock"
    )
    assert "--hash=sha256:" in committed


def test_the_workflows_uv_pin_is_uv_lock_s_uv() -> None:
    pin = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "uv-pin")], capture_output=True, text=True, check=True
    ).stdout
    assert pin.startswith(f"uv=={locked_version('uv')} --hash=sha256:")
    committed = (REPO_ROOT / "actions" / "install-goldenpath" / "uv.txt").read_text(encoding="utf-8")
    assert committed == pin, "actions/install-goldenpath/uv.txt differs from uv.lock; run scripts/lock"


def test_workflows_install_the_locked_poetry() -> None:
    action = yaml.safe_load(
        (REPO_ROOT / "actions" / "setup-python-poetry" / "action.yml").read_text(encoding="utf-8")
    )
    assert action["inputs"]["poetry-version"]["default"] == locked_version("poetry")


@pytest.mark.slow
def test_bootstrap_refuses_a_stale_lock_and_says_how_to_relock(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md", "goldenpath.yml"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    shutil.copytree(REPO_ROOT / "scripts", tmp_path / "scripts")
    shutil.copytree(REPO_ROOT / "src", tmp_path / "src")
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '"ruff>=0.8"' in text, "the test edits this bound; follow it if it changes"
    pyproject.write_text(text.replace('"ruff>=0.8"', '"ruff>=0.8.1"'), encoding="utf-8")
    result = subprocess.run(["bash", "scripts/bootstrap"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert "uv.lock is out of date with pyproject.toml" in result.stderr
    assert "scripts/lock" in result.stderr
    assert not (tmp_path / ".venv" / ".bootstrap-stamp").exists()


@pytest.mark.slow
def test_after_a_version_bump_the_lock_is_stale_until_relocked(tmp_path: Path) -> None:
    """`release verify` refuses the stale lock; the real `uv lock` changes just the project's version."""
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    current = project_version(tmp_path)
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(f'version = "{current}"', 'version = "9.8.7"', 1),
        encoding="utf-8",
    )
    assert lock_problems(tmp_path) == [
        f"uv.lock records goldenpath {current}, but pyproject.toml's version is 9.8.7: "
        "run scripts/lock and commit uv.lock"
    ]
    expected = tmp_path / "expected"
    expected.mkdir()
    shutil.copy(tmp_path / "uv.lock", expected / "uv.lock")
    relock_version(expected, "9.8.7")
    subprocess.run([UV, "lock", "--quiet"], cwd=tmp_path, check=True, capture_output=True)
    assert lock_problems(tmp_path) == []
    assert (tmp_path / "uv.lock").read_text(encoding="utf-8") == (expected / "uv.lock").read_text(
        encoding="utf-8"
    ), "the release tests' relock_version must change what uv lock changes"
