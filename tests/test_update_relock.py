"""`goldenpath update` relocks a repository that commits poetry.lock, with the real poetry."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from goldenpath.update.relock import relock
from rendering import BIN

PYPROJECT = """[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
package-mode = false
"""


def poetry(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin"}
    return subprocess.run(
        [str(BIN / "poetry"), *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def stale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose committed lock a template release made stale, locked once per module."""
    repo = tmp_path_factory.mktemp("stale") / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(PYPROJECT)
    assert poetry(repo, "lock").returncode == 0
    # A template release changed pyproject.toml: the lock no longer matches it.
    (repo / "pyproject.toml").write_text(PYPROJECT.replace(">=3.11", ">=3.11,<4"))
    assert poetry(repo, "check", "--lock").returncode != 0
    return repo


@pytest.fixture
def locked(stale: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of `stale` for one test, with poetry on PATH and a cache of the test's own."""
    monkeypatch.setenv("PATH", f"{BIN}:/usr/bin:/bin")
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copytree(stale, tmp_path / "repo"))


def test_a_changed_pyproject_is_relocked(locked: Path) -> None:
    assert relock(locked, ["pyproject.toml"], []) == "relocked"
    checked = poetry(locked, "check", "--lock")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_no_lock_or_no_change_leaves_it_alone(locked: Path, tmp_path: Path) -> None:
    before = (locked / "poetry.lock").read_text()
    assert relock(locked, ["README.md"], []) == "unchanged"
    assert (locked / "poetry.lock").read_text() == before
    (tmp_path / "unlocked").mkdir()
    assert relock(tmp_path / "unlocked", ["pyproject.toml"], []) == "unchanged"


def test_a_conflict_or_no_poetry_says_what_is_left(locked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert relock(locked, ["pyproject.toml"], ["pyproject.toml"]) == (
        "stale: resolve the conflicts in pyproject.toml, then run `poetry lock`"
    )
    monkeypatch.setenv("PATH", "/nonexistent")
    assert relock(locked, ["pyproject.toml"], []) == "stale: poetry is not on PATH; run `poetry lock`"


def test_a_failing_lock_keeps_the_update_and_names_the_reason(locked: Path) -> None:
    (locked / "pyproject.toml").write_text(PYPROJECT.replace("dependencies = []", 'dependencies = ["tiny"]'))
    outcome = relock(locked, ["pyproject.toml"], [])
    assert outcome.startswith("stale: poetry lock failed (") and outcome.endswith("; run `poetry lock`")
    assert "tiny" in (locked / "pyproject.toml").read_text()
