"""`copier update` carries a template release into an existing generated repo, keeping its answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from rendering import BIN, EXAMPLE_ANSWERS, copy_template, git


def copier(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "copier"), *args], cwd=cwd, capture_output=True, text=True, check=True)


def test_update_brings_a_new_release_and_keeps_answers_and_local_work(tmp_path: Path) -> None:
    template = copy_template(tmp_path)
    git(template, "tag", "v1.0.0")
    repo = tmp_path / EXAMPLE_ANSWERS["repo_name"]
    data = [f"--data={k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in EXAMPLE_ANSWERS.items()]
    copier("copy", "--trust", "--defaults", "--quiet", *data, str(template), str(repo))
    git(repo, "init", "-q", "-b", "main")
    (repo / "notes.md").write_text("the data scientist's own file\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated at v1.0.0")

    gitignore = template / "template" / "{{cookiecutter.repo_name}}" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# added in v1.0.1\n.ipynb_checkpoints/\n")
    pyproject = template / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0.0"', 'version = "1.0.1"', 1))
    git(template, "commit", "-q", "-am", "Release 1.0.1: ignore notebook checkpoints")
    git(template, "tag", "v1.0.1")

    copier("update", "--trust", "--defaults", "--quiet", cwd=repo)

    assert ".ipynb_checkpoints/" in (repo / ".gitignore").read_text()
    assert (repo / "notes.md").read_text() == "the data scientist's own file\n"
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.1"
    assert 'template_version: "1.0.1"' in (repo / "resources" / "pipeline_job.yml").read_text()
    assert {k: answers[k] for k in EXAMPLE_ANSWERS} == EXAMPLE_ANSWERS
