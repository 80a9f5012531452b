"""The generated template-update.yml, run with act, keeps exactly one update PR current.

A repository is rendered from a throwaway release v1.0.0 of a copy of this
checkout; its `.copier-answers.yml` names that copy, so `goldenpath update`
inside the run reads its tags like it would read the central repository's. The
central workflows and actions come from this working tree (the harness's
snapshot), the app token from the marked test double, the REST API from the
fake, and the branch goes to the repository's local bare origin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.act_run import ActRun
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from fakes.github import FakeGitHub, start_fake_github
from rendering import copy_template, git, release

pytestmark = pytest.mark.e2e

WORKFLOW = "template-update.yml"
BRANCH = "goldenpath/update"


def remote_of(repo: GeneratedRepo) -> Path:
    return Path(git(repo.path, "remote", "get-url", "origin").strip())


def run_update(harness: Harness, repo: GeneratedRepo, fake: FakeGitHub) -> ActRun:
    return harness.run(
        repo,
        WORKFLOW,
        "workflow_dispatch",
        secrets={"GOLDENPATH_APP_PRIVATE_KEY": "-----BEGIN test key-----"},
        variables={"GOLDENPATH_APP_ID": "4242"},
        env={"GOLDENPATH_E2E_GITHUB_TOKEN": fake.token},
        github_env={"GITHUB_API_URL": fake.url},
    )


def test_template_update_pushes_the_branch_and_keeps_one_pull_request(
    harness: Harness, tmp_path: Path
) -> None:
    central = copy_template(tmp_path)
    git(central, "tag", "v1.0.0")
    repo = GeneratedRepo.create(tmp_path / "generated", harness.settings, template=central)
    slug = f"{harness.settings.org}/{repo.name}"
    release(central, "1.0.1", "First fix.")

    with start_fake_github() as fake:
        first = run_update(harness, repo, fake)
        assert first.returncode == 0, first.tail()
        pulls = fake.state.get("pulls", {}).get(slug.lower(), [])
        assert len(pulls) == 1, first.tail()
        assert pulls[0]["title"] == "goldenpath v1.0.0 → v1.0.1"
        assert pulls[0]["head"]["ref"] == BRANCH and pulls[0]["base"]["ref"] == "main"
        assert "First fix." in pulls[0]["body"]
        assert "_commit: v1.0.1" in git(remote_of(repo), "show", f"{BRANCH}:.copier-answers.yml")
        assert fake.token not in first.text, "the token leaked into the log"

        release(central, "1.0.2", "Second fix.")
        second = run_update(harness, repo, fake)
        assert second.returncode == 0, second.tail()
        assert len(pulls) == 1, "the second run opened another pull request"
        assert pulls[0]["title"] == "goldenpath v1.0.0 → v1.0.2"
        assert "Second fix." in pulls[0]["body"]
        assert "_commit: v1.0.2" in git(remote_of(repo), "show", f"{BRANCH}:.copier-answers.yml")
        creates = [call for call in fake.writes() if call.method == "POST" and call.path.endswith("/pulls")]
        assert len(creates) == 1
