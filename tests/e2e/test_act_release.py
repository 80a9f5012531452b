"""This repository's release.yml, run with act on a tag push, against a local remote and the fake API.

The central repository is a git checkout of the harness's snapshot of this
working tree, released as docs/releasing.md says (version, pin-refs, CHANGELOG
section, tag, push) to a local bare repository. The run keeps act's
`GITHUB_SERVER_URL` (https://github.com: act also resolves the action doubles
by that URL, so it cannot be a `file://` one here), and a git config given to the
run only (`GIT_CONFIG_GLOBAL`) maps `https://github.com/` to the directory of
local bare repositories: release.yml pushes `vN` to
`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY` with the token as a header, exactly as
on GitHub, and git delivers it to the local remote. `GITHUB_API_URL` (act's
`--env`) is the shared fake GitHub API, where the Release is published. The
app token comes from the marked double of actions/create-github-app-token.
Earlier releases a test needs as its starting point are published with the
same CLI, outside act, with `GITHUB_SERVER_URL=file://...` (see
tests/test_release.py for that mode).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.act_run import ActRun
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.releases import releases
from fakes.github.repos import add_repo, git_dir
from release_tree import CentralCheckout, notes_for

pytestmark = pytest.mark.e2e

WORKFLOW = "release.yml"
JOB = "release/Verify, move the major tag, publish the Release"
ROLLBACK_JOB = "release/Roll the major tag back to this release"
CHECKS = "Tag, self-references and release notes"
UPLOAD = "Upload the wheel to the package index"
TOKEN_STEP = "Token of the release app"
PUBLISH = "Move the major tag and publish the Release"


@dataclass
class World:
    """A central checkout, its bare remote (served at a file:// GITHUB_SERVER_URL) and the fake API."""

    harness: Harness
    fake: FakeGitHub
    checkout: CentralCheckout
    org: str
    repo: str

    @property
    def server_url(self) -> str:
        assert self.fake.git_root is not None
        return f"file://{self.fake.git_root}"

    def environ(self) -> dict[str, str]:
        return {
            "GITHUB_TOKEN": self.fake.token,
            "GITHUB_API_URL": self.fake.url,
            "GITHUB_SERVER_URL": self.server_url,
            "GITHUB_REPOSITORY": f"{self.org}/{self.repo}",
        }

    def publish_outside_act(self, tag: str) -> None:
        """A starting state: an earlier release, published by the same command release.yml runs."""
        goldenpath = Path(sys.executable).parent / "goldenpath"
        result = subprocess.run(
            [str(goldenpath), "release", "publish", "--tag", tag],
            cwd=self.checkout.path,
            env={**os.environ, **self.environ()},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def act(self, event: str, ref: str) -> ActRun:
        """Run release.yml on `ref` as GitHub would: variables, secret and API/server of this world."""
        assert self.fake.git_root is not None
        gitconfig = self.checkout.path.parent / "gitconfig-github-is-local"
        gitconfig.write_text(
            f'[url "{self.server_url}/"]\n\tinsteadOf = https://github.com/\n', encoding="utf-8"
        )
        return self.harness.run(
            GeneratedRepo(self.checkout.path, self.org),
            WORKFLOW,
            event,
            ref=ref,
            secrets={"RELEASE_APP_PRIVATE_KEY": "e2e-not-a-real-key"},
            env={"GOLDENPATH_E2E_GITHUB_TOKEN": self.fake.token, "GIT_CONFIG_GLOBAL": str(gitconfig)},
            variables={"RELEASE_APP_ID": "12345"},
            github_env={"GITHUB_API_URL": self.fake.url},
        )

    def release_tags(self) -> list[str]:
        return [str(release["tag_name"]) for release in releases(self.fake, self.org, self.repo)]


def _world(harness: Harness, base: Path) -> Iterator[World]:
    org, repo = harness.settings.central_slug.split("/")
    # The bare remote sits under .../github.com/<org>/<repo>.git: act reads github.repository from it.
    with start_fake_github(git_root=base / "remotes" / "github.com") as fake:
        add_repo(fake, org, repo)
        checkout = CentralCheckout.create(harness.central, base / repo, git_dir(fake, org, repo))
        yield World(harness, fake, checkout, org, repo)


@pytest.fixture
def world(harness: Harness, tmp_path: Path) -> Iterator[World]:
    yield from _world(harness, tmp_path)


@pytest.fixture(scope="module")
def released(
    harness: Harness, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, str, ActRun]]:
    """One good release, v1.1.0, run through release.yml: (world, tagged commit, run)."""
    for world in _world(harness, tmp_path_factory.mktemp("released")):
        commit = world.checkout.release("1.1.0")
        yield world, commit, world.act("push", "refs/tags/v1.1.0")


def assert_succeeded(run: ActRun, job: str = JOB) -> None:
    assert run.returncode == 0, run.tail()
    assert run.jobs == {job: "succeeded"}, f"{run.jobs}\n{run.tail()}"


def assert_refused_before_anything_moved(
    run: ActRun, world: World, v1_before: str | None, message: str
) -> None:
    assert run.returncode != 0, run.tail()
    steps = run.steps(JOB)
    assert steps[CHECKS] == "Failure", steps
    assert UPLOAD not in steps and TOKEN_STEP not in steps and PUBLISH not in steps, (
        "nothing runs after a refusal"
    )
    assert message in run.text, run.tail()
    assert world.checkout.remote_tags().get("v1") == v1_before
    assert world.fake.writes() == []


def test_a_good_tag_moves_v1_and_publishes_the_changelog_section(
    released: tuple[World, str, ActRun],
) -> None:
    world, commit, run = released
    assert_succeeded(run)
    assert run.steps(JOB)[UPLOAD] == run.steps(JOB)[PUBLISH] == "Success"
    # The shipped goldenpath.yml names no upload API (tests/test_release_upload.py uploads to one).
    assert "wheel: unchanged: nothing to upload: python.publish_url is not set" in run.text
    assert world.checkout.remote_tags()["v1"] == commit
    (release,) = releases(world.fake, world.org, world.repo)
    assert release["tag_name"] == release["name"] == "v1.1.0"
    assert release["body"] == notes_for("1.1.0")
    assert release["prerelease"] is False
    assert f"v1: created: v1 -> v1.1.0 ({commit})" in run.text  # the first release of line v1
    # git's push went to $GITHUB_SERVER_URL/$GITHUB_REPOSITORY.git, i.e. https://github.com/... mapped
    # to the local remote; the fake API saw the double's token on every call.
    assert {call.authorization for call in world.fake.calls} == {f"token {world.fake.token}"}
    assert world.fake.token not in run.text, "the app token is masked in the log"


def test_rerunning_the_same_release_changes_nothing(released: tuple[World, str, ActRun]) -> None:
    world, _, first = released
    assert_succeeded(first)
    tags, writes = world.checkout.remote_tags(), len(world.fake.writes())
    again = world.act("push", "refs/tags/v1.1.0")
    assert_succeeded(again)
    assert world.checkout.remote_tags() == tags
    assert len(world.fake.writes()) == writes
    assert "v1: unchanged" in again.text and "release: unchanged" in again.text


def test_a_bad_release_fails_before_anything_moves(world: World) -> None:
    """One run, three faults: a tag that is not the package version, unpinned self-references and
    no CHANGELOG section. The check step names each (tests/test_release.py refuses each alone, through
    the same command); the token and publish steps never run."""
    earlier = world.checkout.release("1.1.0")
    world.publish_outside_act("v1.1.0")
    world.fake.calls.clear()
    world.checkout.release("1.2.0", tag="v1.2.1", pin=False, notes=None)
    run = world.act("push", "refs/tags/v1.2.1")
    for message in (
        "tag v1.2.1 is not v + the pyproject.toml version (v1.2.0)",
        "must be pinned to v1.2.0",
        "CHANGELOG.md has no section for 1.2.0",
    ):
        assert_refused_before_anything_moved(run, world, earlier, message)
    assert world.release_tags() == ["v1.1.0"]


def test_a_pre_release_is_published_as_one_and_does_not_move_v1(world: World) -> None:
    earlier = world.checkout.release("1.1.0")
    world.publish_outside_act("v1.1.0")
    world.checkout.release("1.2.0-rc.1")
    run = world.act("push", "refs/tags/v1.2.0-rc.1")
    assert_succeeded(run)
    assert world.checkout.remote_tags()["v1"] == earlier
    candidate = releases(world.fake, world.org, world.repo)[0]
    assert candidate["tag_name"] == "v1.2.0-rc.1" and candidate["prerelease"] is True
    assert candidate["body"] == notes_for("1.2.0-rc.1")


def test_dispatching_on_an_earlier_tag_rolls_v1_back_to_it(world: World) -> None:
    good = world.checkout.release("1.1.0")
    world.publish_outside_act("v1.1.0")
    bad = world.checkout.release("1.2.0")
    world.publish_outside_act("v1.2.0")
    assert world.checkout.remote_tags()["v1"] == bad
    world.fake.calls.clear()
    world.checkout.checkout_tag("v1.1.0")  # "Run workflow" on the tag checks out that tag
    run = world.act("workflow_dispatch", "refs/tags/v1.1.0")
    assert_succeeded(run, ROLLBACK_JOB)
    assert world.checkout.remote_tags()["v1"] == good
    assert f"v1: updated: v1 -> v1.1.0 ({good}), was v1.2.0" in run.text
    assert world.fake.writes() == [], "the Releases stay as they are"
    assert world.release_tags() == ["v1.2.0", "v1.1.0"]
