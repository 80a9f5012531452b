"""`goldenpath update` keeps local work: edits survive the 3-way merge, migrations carry them to moved files."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from goldenpath.naming import derive_names
from goldenpath.settings import load_settings
from rendering import BIN, EXAMPLE_ANSWERS, release
from updating import CONFLICT_MARKERS, commit, generate, goldenpath, released_template, replace_in, tree

SETTINGS = load_settings()


@pytest.fixture
def central(tmp_path: Path) -> Path:
    """A committed copy of this checkout, released as v1.0.0."""
    return released_template(tmp_path)


def _template_changes(generated: Path) -> None:
    """Release N+1: changes beside (not on) the lines the scenario's user edits, and one on top of one."""
    replace_in(
        generated / "pyproject.toml",
        "# The Databricks job's python_wheel_task calls",
        "# Databricks' python_wheel_task calls",
    )
    replace_in(
        generated / "README.md", "## Names (derived from", "## Names and where they come from (derived from"
    )
    replace_in(
        generated / "resources" / "pipeline_job.yml",
        "# `goldenpath check-repo` (pre-commit and CI)",
        "# `goldenpath check-repo` (in pre-commit and CI)",
    )
    replace_in(
        generated / ".github" / "workflows" / "ci.yml",
        "Change behaviour there, not here.",
        "Change behaviour there, not in this file.",
    )
    replace_in(generated / "notebooks" / "explore.py", "A thin notebook", "A small notebook")
    gitignore = generated / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# added in the new release\n.ipynb_checkpoints/\n")


def _user_edits(repo: Path) -> None:
    """What data scientists typically change after generation."""
    package = derive_names(repo.name, SETTINGS).package
    replace_in(repo / "pyproject.toml", "dependencies = []", 'dependencies = [\n    "pyyaml>=6",\n]')
    (repo / "src" / package / "features.py").write_text(
        '"""Features of our own."""\n\n\ndef weekly_total(values: list[float]) -> float:\n    return sum(values)\n'
    )
    (repo / "tests" / "test_features.py").write_text(
        f"from {package}.features import weekly_total\n\n\ndef test_weekly_total() -> None:\n"
        "    assert weekly_total([1.0, 2.5]) == 3.5\n"
    )
    replace_in(
        repo / "README.md",
        "## Run locally\n",
        "## Run locally\n\nAsk #team-forecasting for access to the sales tables first.\n",
    )
    replace_in(repo / "resources" / "pipeline_job.yml", "max_concurrent_runs: 1", "max_concurrent_runs: 2")
    (repo / "notebooks" / "explore.py").unlink()
    replace_in(
        repo / ".github" / "workflows" / "ci.yml", "cancel-in-progress: true", "cancel-in-progress: false"
    )
    gitignore = repo / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# ours\nscratch/\n")


def added_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line[2:] for line in diff if line.startswith("+ ")]


@pytest.mark.slow
def test_user_edits_survive_an_update_and_the_repo_stays_green(central: Path, tmp_path: Path) -> None:
    answers = {**EXAMPLE_ANSWERS, "include_example": False}  # the edits need no ML stack; poetry stays quick
    repo = generate(tmp_path, central, answers)
    generated = tree(repo)
    _user_edits(repo)
    commit(repo, "Our work")
    edited = tree(repo)
    release(central, "1.1.0", "Clearer comments; ignore notebook checkpoints.", _template_changes)

    result = goldenpath(repo, "update", "--json")
    assert result.returncode == 1, "the overlapping .gitignore edit must be reported as a conflict"
    report = json.loads(result.stdout)
    assert report["conflicts"] == [".gitignore"]
    updated = tree(repo)

    # Lines lost: every line the user added is still there (goal and assertion: zero).
    lost = {
        path: missing
        for path, content in edited.items()
        if (
            missing := [
                line
                for line in added_lines(generated.get(path, b""), content)
                if line not in updated.get(path, b"").decode().splitlines()
            ]
        )
    }
    assert lost == {}, lost
    assert "notebooks/explore.py" not in updated, "a file the user deleted came back"
    # The template's changes to other lines arrived.
    arrived = {
        "pyproject.toml": "# Databricks' python_wheel_task calls",
        "README.md": "## Names and where they come from",
        "resources/pipeline_job.yml": "(in pre-commit and CI)",
        ".github/workflows/ci.yml": "Change behaviour there, not in this file.",
        ".gitignore": ".ipynb_checkpoints/",
    }
    for path, line in arrived.items():
        assert line in updated[path].decode(), f"{path} did not get {line!r}"
    # The overlap is marked, with both sides kept.
    gitignore = updated[".gitignore"].decode()
    assert all(marker in gitignore for marker in CONFLICT_MARKERS)
    assert "scratch/" in gitignore and ".ipynb_checkpoints/" in gitignore

    # Resolved by keeping both sides, the repository installs and its tests pass.
    kept = [line for line in gitignore.splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    (repo / ".gitignore").write_text("\n".join(kept) + "\n")
    commit(repo, "goldenpath v1.1.0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "POETRY_", "GITHUB_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    for command in (["install", "--no-interaction"], ["run", "pytest", "-q"]):
        done = subprocess.run(
            [str(BIN / "poetry"), *command], cwd=repo, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (
            f"poetry {' '.join(command)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def _move_explore(generated: Path) -> None:
    notebooks = generated / "notebooks"
    replace_in(notebooks / "explore.py", "A thin notebook", "A small notebook")
    shutil.move(notebooks / "explore.py", notebooks / "exploration.py")


@pytest.mark.slow
def test_a_migration_carries_edits_to_a_moved_file(central: Path, tmp_path: Path) -> None:
    repo = generate(tmp_path, central)
    explore = repo / "notebooks" / "explore.py"
    explore.write_text(explore.read_text() + "\n# COMMAND ----------\n\nprint('our own cell')\n")
    commit(repo, "Our cell")

    def move_with_migration(generated: Path) -> None:
        _move_explore(generated)
        config = central / "copier.yml"
        entry = (
            "_migrations:\n"
            "  - version: v1.1.0\n"
            "    when: \"{{ _stage in ['before', 'after'] }}\"\n"
            '    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/hooks/migrate.py", '
            '"move", "notebooks/explore.py", "notebooks/exploration.py"]\n'
        )
        replace_in(config, "_migrations: []\n", entry)

    release(central, "1.1.0", "The notebook is now notebooks/exploration.py.", move_with_migration)
    result = goldenpath(repo, "update", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    report = json.loads(result.stdout)
    assert report["migrations"] == [
        "v1.1.0: {{ _copier_python }} {{ _copier_conf.src_path }}/hooks/migrate.py move notebooks/explore.py notebooks/exploration.py"
    ]
    assert not explore.exists()
    moved = (repo / "notebooks" / "exploration.py").read_text()
    assert "print('our own cell')" in moved, moved
    assert "A small notebook" in moved and "A thin notebook" not in moved
    assert not any(marker in moved for marker in CONFLICT_MARKERS)
    assert report["conflicts"] == []
