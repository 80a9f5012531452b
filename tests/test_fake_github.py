"""The shared fake GitHub answers the real client library as GitHub would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from githubkit.exception import RequestFailed

from fakes.github import FakeGitHub, start_fake_github
from fakes.github.orgs import add_team
from fakes.github.repos import add_repo
from goldenpath.errors import CredentialError
from goldenpath.github.client import GitHubEnv, api_client


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    with start_fake_github(git_root=tmp_path / "git") as server:
        yield server


def test_repo_round_trip_through_githubkit(fake: FakeGitHub) -> None:
    gh = api_client(GitHubEnv(token=fake.token, api_url=fake.url))
    created = gh.rest.repos.create_in_org("acme", data={"name": "rtl-x-y", "visibility": "private"})
    assert created.status_code == 201
    assert gh.rest.repos.get("acme", "rtl-x-y").parsed_data.full_name == "acme/rtl-x-y"
    assert (fake.git_root / "acme" / "rtl-x-y.git" / "HEAD").is_file()  # type: ignore[operator]
    with pytest.raises(RequestFailed) as missing:
        gh.rest.repos.get_branch("acme", "rtl-x-y", "main")
    assert missing.value.response.status_code == 404


def test_pages_follow_link_headers(fake: FakeGitHub) -> None:
    for index in range(7):
        add_repo(fake, "acme", f"repo-{index}")
    gh = api_client(GitHubEnv(token=fake.token, api_url=fake.url))
    names = [repo.name for repo in gh.rest.paginate(gh.rest.repos.list_for_org, org="acme", per_page=3)]
    assert names == [f"repo-{index}" for index in range(7)]


def test_outage_fails_every_write_from_the_nth(fake: FakeGitHub) -> None:
    add_team(fake, "acme", "ds-rtl", {"alice": "active"})
    fake.fail_writes_from = 2
    gh = api_client(GitHubEnv(token=fake.token, api_url=fake.url))
    gh.rest.repos.create_in_org("acme", data={"name": "one"})
    for name in ("two", "three"):
        with pytest.raises(RequestFailed):
            gh.rest.repos.create_in_org("acme", data={"name": name})
    assert (
        gh.rest.teams.get_membership_for_user_in_org("acme", "ds-rtl", "alice").parsed_data.state == "active"
    )
    assert fake.writes()[0].status == 201
    assert all(call.status == 500 for call in fake.writes()[1:])


def test_wrong_token_is_refused(fake: FakeGitHub) -> None:
    gh = api_client(GitHubEnv(token="wrong", api_url=fake.url))
    with pytest.raises(
        CredentialError, match="GitHub refused the token: GET /repos/acme/anything answered 401"
    ):
        gh.rest.repos.get("acme", "anything")
    assert [call.status for call in fake.calls] == [401]
