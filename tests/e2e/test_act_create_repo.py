"""The create-repo workflow, run with act from a workflow_dispatch event, refuses hostile form values.

Every input carries a shell or expression payload. They reach `goldenpath
create-repo` only through env:, as data: the name check refuses them (exit 1),
nothing runs them (the files they would create do not exist), the
`${{ secrets.X }}` text stays text, and the fake GitHub API sees no call at all.
The app-token action is the marked double from tests/e2e/doubles.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.act_run import ActRun
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from fakes.github import FakeGitHub, start_fake_github

pytestmark = pytest.mark.e2e

WORKFLOW = "create-repo.yml"
PRIVATE_KEY = "e2e-app-private-key-never-printed"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHub]:
    with start_fake_github(git_root=tmp_path_factory.mktemp("git")) as server:
        yield server


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


def payloads(markers: Path) -> dict[str, str]:
    """One hostile value per free-text input; each would create its own marker file if a shell ran it."""
    return {
        "repo_name": f"$(touch {markers}/dollar)",
        "description": f"`touch {markers}/backtick`",
        "team": "${{ secrets.GOLDENPATH_APP_PRIVATE_KEY }}",
        "cost_center": f'"; touch {markers}/quote; curl x | sh; "',
    }


@pytest.fixture(scope="module")
def refused(
    harness: Harness, fake: FakeGitHub, markers: Path, tmp_path_factory: pytest.TempPathFactory
) -> ActRun:
    central = GeneratedRepo.central_checkout(
        tmp_path_factory.mktemp("central"), harness.central, harness.settings
    )
    inputs = {
        **payloads(markers),
        "python_version": harness.settings.python_default,
        "auth_mode": "oidc",
        "include_example": "true",
        "dry_run": "false",
    }
    return harness.run(
        central,
        WORKFLOW,
        "workflow_dispatch",
        secrets={"GOLDENPATH_APP_PRIVATE_KEY": PRIVATE_KEY},
        variables={"GOLDENPATH_APP_ID": "12345"},
        env={"GOLDENPATH_E2E_GITHUB_TOKEN": fake.token, "GITHUB_API_URL": fake.url},
        inputs=inputs,
    )


def test_hostile_inputs_are_refused_by_the_name_check(refused: ActRun) -> None:
    assert refused.returncode != 0, refused.tail()
    (job,) = refused.jobs
    assert refused.jobs[job] == "failed"
    steps = refused.steps(job)
    assert steps["Token of the goldenpath app"] == "Success", steps
    assert steps["goldenpath create-repo"] == "Failure", refused.tail()
    assert "refused, nothing was written" in refused.text
    assert "is not a valid repository name" in refused.text
    assert "exit status 1" in refused.text, refused.tail()


def test_no_payload_ran_and_no_expression_was_evaluated(
    refused: ActRun, markers: Path, fake: FakeGitHub
) -> None:
    assert list(markers.iterdir()) == []
    assert "${{ secrets.GOLDENPATH_APP_PRIVATE_KEY }}" in refused.text, "the expression stays text"
    assert PRIVATE_KEY not in refused.text
    assert fake.token not in refused.text
    assert fake.calls == [], "refused before any GitHub call"
