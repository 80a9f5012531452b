"""`goldenpath update`: the status against the central releases, errors, and updates that equal a fresh copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from goldenpath.refs import ReleaseTag
from goldenpath.settings import load_settings
from goldenpath.update.apply import UpdateResult, migrations_between
from goldenpath.update.report import result_markdown
from rendering import EXAMPLE_ANSWERS, MATRIX, cookiecutter_render, copier_copy, git, release
from updating import commit, generate, goldenpath, released_template, replace_in, tree

SETTINGS = load_settings()


@pytest.fixture
def central(tmp_path: Path) -> Path:
    """A committed copy of this checkout, released as v1.0.0."""
    return released_template(tmp_path)


# -- pure functions -----------------------------------------------------------------------
def test_migrations_between_picks_the_releases_crossed() -> None:
    config = yaml.safe_dump(
        {
            "_migrations": [
                {"version": "v1.1.0", "command": ["python", "m.py", "move", "a", "b"]},
                {"version": "v2.0.0", "command": "echo later"},
            ]
        }
    )
    assert migrations_between(config, ReleaseTag(1, 0, 0), ReleaseTag(1, 1, 0)) == [
        "v1.1.0: python m.py move a b"
    ]
    assert migrations_between(config, ReleaseTag(1, 1, 0), ReleaseTag(1, 9, 0)) == []


def test_the_pull_request_body_lists_conflicts_as_a_checklist_first() -> None:
    result = UpdateResult(
        previous="v1.0.0",
        target="v1.1.0",
        changed=[".gitignore", "README.md"],
        conflicts=[".gitignore"],
        migrations=["v1.1.0: move a b"],
        changelog="## [1.1.0] - 2026-11-26\n- Clearer.",
        new_major="v2.0.0",
    )
    body = result_markdown(result)
    assert body.startswith("Brings this repository from goldenpath v1.0.0 to v1.1.0")
    assert body.index("- [ ] `.gitignore`") < body.index("## Files changed") < body.index("- `README.md`")
    assert "- `v1.1.0: move a b`" in body and "## [1.1.0] - 2026-11-26" in body
    assert "`goldenpath update --to v2.0.0`" in body
    clean = result_markdown(UpdateResult(previous="v1.0.0", target="v1.0.1", changed=["README.md"]))
    assert "- [ ]" not in clean and "No conflicts" in clean and "new major" not in clean


# -- errors: exit 2 with a message that says what to do ------------------------------------
def test_check_without_an_answers_file_exits_2(tmp_path: Path) -> None:
    result = goldenpath(tmp_path, "update", "--check")
    assert result.returncode == 2, result
    assert ".copier-answers.yml does not exist" in result.stderr


def test_check_with_an_unreachable_source_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text(
        yaml.safe_dump({"_commit": "v1.0.0", "_src_path": str(tmp_path / "no-such-repo")}), encoding="utf-8"
    )
    result = goldenpath(tmp_path, "update", "--check", "--json")
    assert result.returncode == 2, result
    assert "cannot list the releases" in result.stderr and "_src_path" in result.stderr
    assert result.stdout == ""


def test_a_commit_that_is_no_release_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".copier-answers.yml").write_text(
        yaml.safe_dump({"_commit": "0123abc", "_src_path": "gh:acme-retail/goldenpath"}), encoding="utf-8"
    )
    result = goldenpath(tmp_path, "update", "--check")
    assert result.returncode == 2
    assert "_commit is '0123abc', a commit without a release tag" in result.stderr
    assert "`_commit: v<version>`, with the version in pyproject.toml of the template at 0123abc" in (
        result.stderr
    )


# -- check and update against throwaway releases --------------------------------------------
@pytest.mark.slow
def test_check_exits_1_once_a_newer_release_is_tagged_and_update_brings_it(
    central: Path, tmp_path: Path
) -> None:
    repo = generate(tmp_path, central)
    up_to_date = goldenpath(repo, "update", "--check", "--json")
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert json.loads(up_to_date.stdout) | {"changelog": ""} == {
        "source": str(central),
        "current": "v1.0.0",
        "newest": "v1.0.0",
        "behind": False,
        "new_major": None,
        "releases_between": [],
        "changelog": "",
    }

    def ignore_checkpoints(generated: Path) -> None:
        gitignore = generated / ".gitignore"
        gitignore.write_text(gitignore.read_text() + "# added in v1.0.1\n.ipynb_checkpoints/\n")

    release(central, "1.0.1", "Ignore notebook checkpoints.", ignore_checkpoints)
    git(central, "tag", "v2.0.0")  # a new major: reported, never taken by itself
    git(central, "tag", "nightly")  # not a release tag: ignored
    behind = goldenpath(repo, "update", "--check")
    assert behind.returncode == 1, behind.stderr
    assert "current: v1.0.0" in behind.stdout and "newest:  v1.0.1" in behind.stdout
    assert "## [1.0.1] - 2026-11-26" in behind.stdout and "Ignore notebook checkpoints." in behind.stdout
    assert "## [1.0.0]" not in behind.stdout
    assert "a new major release exists: v2.0.0" in behind.stdout
    as_json = json.loads(goldenpath(repo, "update", "--check", "--json").stdout)
    assert (as_json["newest"], as_json["new_major"], as_json["behind"]) == ("v1.0.1", "v2.0.0", True)

    (repo / "notes.md").write_text("the data scientist's own, uncommitted\n")
    dirty = goldenpath(repo, "update")
    assert dirty.returncode == 1
    assert "uncommitted changes (notes.md)" in dirty.stderr and "commit or stash" in dirty.stderr
    assert ".ipynb_checkpoints/" not in (repo / ".gitignore").read_text()
    commit(repo, "Notes")

    updated = goldenpath(repo, "update", "--json")
    assert updated.returncode == 0, updated.stderr
    report = json.loads(updated.stdout)
    assert (report["previous"], report["target"], report["conflicts"]) == ("v1.0.0", "v1.0.1", [])
    assert {".gitignore", ".copier-answers.yml"} <= set(report["changed"])
    assert "Ignore notebook checkpoints." in report["changelog"]
    assert ".ipynb_checkpoints/" in (repo / ".gitignore").read_text()
    assert (repo / "notes.md").read_text() == "the data scientist's own, uncommitted\n"
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.1"
    assert {k: answers[k] for k in EXAMPLE_ANSWERS} == EXAMPLE_ANSWERS
    commit(repo, "goldenpath v1.0.1")
    after = goldenpath(repo, "update", "--check")
    assert after.returncode == 0 and "a new major release exists: v2.0.0" in after.stdout


@pytest.mark.slow
def test_a_cookiecutter_made_repo_is_checked_and_updated_from_the_central_url(
    central: Path, tmp_path: Path
) -> None:
    cookiecutter_render(tmp_path / "out", EXAMPLE_ANSWERS, central)
    repo = tmp_path / "out" / EXAMPLE_ANSWERS["repo_name"]
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Generated by cookiecutter")
    url = yaml.safe_load((repo / ".copier-answers.yml").read_text())["_src_path"]
    assert url == f"https://github.com/{SETTINGS.central_slug}.git"
    # GitHub is not reachable here: git itself redirects the central URL to the local releases.
    redirect = {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{central}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }
    release(central, "1.0.1", "Patch release.")
    behind = goldenpath(repo, "update", "--check", env=redirect)
    assert behind.returncode == 1, behind.stderr
    assert "Patch release." in behind.stdout
    updated = goldenpath(repo, "update", env=redirect)
    assert updated.returncode == 0, updated.stderr + updated.stdout
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_commit"] == "v1.0.1"


def _matrix_release(generated: Path) -> None:
    """Changes inside conditional parts, so every answer set's branch is exercised."""
    replace_in(generated / "README.md", "## Run locally", "## Run it locally")
    replace_in(
        generated / ".github" / "workflows" / "deploy.yml",
        "# every push to main goes to acc",
        "# each push to main goes to acc",
    )
    replace_in(
        generated / "pyproject.toml",
        '"skops>=0.10",',
        '"skops>=0.10",\n    # skops reads the models MLflow saves.',
    )


@pytest.mark.slow
def test_update_equals_a_fresh_copy_over_the_answer_matrix(central: Path, tmp_path: Path) -> None:
    repos = [generate(tmp_path / f"at-n-{index}", central, answers) for index, answers in enumerate(MATRIX)]
    release(central, "1.0.1", "Wording.", _matrix_release)
    for index, (answers, repo) in enumerate(zip(MATRIX, repos, strict=True)):
        result = goldenpath(repo, "update")
        assert result.returncode == 0, result.stderr + result.stdout
        fresh = tmp_path / f"fresh-{index}" / str(answers["repo_name"])
        copier_copy(fresh, dict(answers), central)
        got, want = tree(repo), tree(fresh)
        differ = sorted(path for path in got.keys() | want.keys() if got.get(path) != want.get(path))
        assert differ == [], f"{answers}: update and fresh copy differ in {differ}"
