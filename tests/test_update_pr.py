"""`goldenpath update --open-pr`: one branch, one pull request, against the fake GitHub API and a bare remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes.github import start_fake_github
from goldenpath.settings import load_settings
from rendering import git, release
from updating import commit, generate, goldenpath, released_template

SETTINGS = load_settings()


@pytest.fixture
def central(tmp_path: Path) -> Path:
    """A committed copy of this checkout, released as v1.0.0."""
    return released_template(tmp_path)


@pytest.mark.slow
def test_open_pr_opens_one_pr_updates_it_and_closes_it_once_current(central: Path, tmp_path: Path) -> None:
    repo = generate(tmp_path / "work", central)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    slug = f"{SETTINGS.org}/{repo.name}"

    def fresh_checkout(name: str) -> Path:
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        return path

    with start_fake_github() as fake:
        env = {"GITHUB_TOKEN": fake.token, "GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": slug}
        release(central, "1.0.1", "First fix.")
        first = goldenpath(fresh_checkout("run1"), "update", "--open-pr", "--json", env=env)
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["action"] == "created"
        pulls = fake.state["pulls"][slug.lower()]
        assert len(pulls) == 1
        assert pulls[0]["title"] == "goldenpath v1.0.0 → v1.0.1"
        assert pulls[0]["head"]["ref"] == "goldenpath/update" and pulls[0]["base"]["ref"] == "main"
        assert "First fix." in pulls[0]["body"] and "`.copier-answers.yml`" in pulls[0]["body"]
        assert pulls[0]["draft"] is False
        pushed = git(remote, "show", "goldenpath/update:.copier-answers.yml")
        assert "_commit: v1.0.1" in pushed

        release(central, "1.0.2", "Second fix.")
        second = goldenpath(fresh_checkout("run2"), "update", "--open-pr", "--json", env=env)
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["action"] == "updated"
        assert len(pulls) == 1, "a second run must update the open PR, not open another"
        assert pulls[0]["title"] == "goldenpath v1.0.0 → v1.0.2"
        assert "Second fix." in pulls[0]["body"] and "First fix." in pulls[0]["body"]
        assert "_commit: v1.0.2" in git(remote, "show", "goldenpath/update:.copier-answers.yml")

        # Someone resolves things on the PR branch: the next run must not overwrite that work.
        helper = fresh_checkout("helper")
        git(helper, "checkout", "-q", "goldenpath/update")
        (helper / "RESOLVED.md").write_text("resolved by a person\n")
        git(helper, "add", "-A")
        git(helper, "-c", "user.email=someone@example.invalid", "commit", "-q", "-m", "Resolve")
        git(helper, "push", "-q", "origin", "goldenpath/update")
        release(central, "1.0.3", "Third fix.")
        refused = goldenpath(fresh_checkout("run-refused"), "update", "--open-pr", env=env)
        assert refused.returncode == 1, refused.stderr
        assert "someone@example.invalid" in refused.stderr and "merge or close" in refused.stderr
        assert "RESOLVED.md" in git(remote, "ls-tree", "--name-only", "goldenpath/update")
        assert pulls[0]["title"] == "goldenpath v1.0.0 → v1.0.2"

        git(remote, "update-ref", "refs/heads/main", "refs/heads/goldenpath/update")  # the PR is merged
        git(central, "tag", "-d", "v1.0.3")  # ... and v1.0.3 withdrawn, so main is current
        third = goldenpath(fresh_checkout("run3"), "update", "--open-pr", "--json", env=env)
        assert third.returncode == 0, third.stderr
        assert json.loads(third.stdout)["action"] == "closed"
        assert [pull["state"] for pull in pulls] == ["closed"]
        assert all(
            call.authorization == f"token {fake.token}" or fake.token in call.authorization
            for call in fake.calls
        )


def _ignore_checkpoints(generated: Path) -> None:
    gitignore = generated / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# added in the new release\n.ipynb_checkpoints/\n")


@pytest.mark.slow
def test_open_pr_takes_the_release_and_the_conflict_style_asked_for(central: Path, tmp_path: Path) -> None:
    """--to and --conflict reach the update behind the pull request, as they do without --open-pr."""
    repo = generate(tmp_path / "work", central)
    gitignore = repo / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# ours\nscratch/\n")  # overlaps the release's edit
    commit(repo, "Our ignores")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    release(central, "1.0.1", "Ignore notebook checkpoints.", _ignore_checkpoints)
    release(central, "1.0.2", "Newer still.")
    slug = f"{SETTINGS.org}/{repo.name}"
    with start_fake_github() as fake:
        env = {"GITHUB_TOKEN": fake.token, "GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": slug}
        opened = goldenpath(
            repo, "update", "--open-pr", "--to", "v1.0.1", "--conflict", "rej", "--json", env=env
        )
        assert opened.returncode == 0, opened.stderr
        outcome = json.loads(opened.stdout)
        (pull,) = fake.state["pulls"][slug.lower()]
    assert (outcome["action"], outcome["target"], outcome["conflicts"]) == (
        "created",
        "v1.0.1",
        [".gitignore"],
    )
    assert pull["title"] == "goldenpath v1.0.0 → v1.0.1" and pull["draft"] is True
    assert "_commit: v1.0.1" in git(remote, "show", "goldenpath/update:.copier-answers.yml")
    pushed = git(remote, "ls-tree", "-r", "--name-only", "goldenpath/update").split()
    assert ".gitignore.rej" in pushed, "conflicts left as .rej files, not inline markers"
    assert "<<<<<<<" not in git(remote, "show", "goldenpath/update:.gitignore")
    bot = SETTINGS.bot
    assert git(remote, "log", "-1", "--format=%an <%ae>", "goldenpath/update").strip() == str(bot)
