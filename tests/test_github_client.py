"""The GitHub boundary: bounded requests, one retry, rate limits without blind sleeps, failures in the error model.

Everything runs through githubkit against the one fake GitHub. githubkit's
sleep between retries is recorded instead of slept, so the wait it chose is
visible (and a wrong one does not make the suite slow).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_world import closed_port
from fakes.github import FakeGitHub, Reply, start_fake_github
from fakes.github.repos import add_repo
from goldenpath.errors import CredentialError, Outage, Refused, UsageError
from goldenpath.git import GitError, git, remote_failure
from goldenpath.github.client import GitHubEnv, api_client, repository_from_environ
from goldenpath.github.reconcile import FAILED, UNCHANGED, Steps, get_or_none, translated

ORG, REPO = "acme", "service"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with start_fake_github() as server:
        add_repo(server, ORG, REPO)
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """githubkit's waits between retries, recorded and not slept."""
    recorded: list[float] = []
    monkeypatch.setattr("githubkit.core.time.sleep", recorded.append)
    return recorded


def rate_limited(times: int, resets_in: float) -> Any:
    """A 403 rate limit (`x-ratelimit-remaining: 0`) for the first `times` requests."""
    answered: list[bool] = []

    def fault(method: str, path: str) -> Reply | None:
        if len(answered) >= times:
            return None
        answered.append(True)
        reset = str(int(time.time() + resets_in))
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "x-ratelimit-resource": "core"}
        return Reply(403, {"message": "API rate limit exceeded for installation."}, headers)

    return fault


def failing(status: int, times: int = 100) -> Any:
    answered: list[bool] = []

    def fault(method: str, path: str) -> Reply | None:
        if len(answered) >= times:
            return None
        answered.append(True)
        return Reply(status, {"message": f"injected {status}"})

    return fault


def client(fake: FakeGitHub) -> Any:
    return api_client(GitHubEnv(token=fake.token, api_url=fake.url))


def test_a_rate_limit_whose_reset_has_passed_is_retried_after_a_second_not_sixty(
    fake: FakeGitHub, sleeps: list[float]
) -> None:
    fake.faults.append(rate_limited(times=1, resets_in=-30))
    gh = client(fake)
    assert gh.rest.repos.get(ORG, REPO).json()["name"] == REPO
    assert sleeps == [1.0]


def test_a_rate_limit_that_resets_later_than_the_bound_is_an_outage_saying_when(
    fake: FakeGitHub, sleeps: list[float]
) -> None:
    fake.faults.append(rate_limited(times=1, resets_in=3600))
    gh = client(fake)
    with pytest.raises(Outage, match=r"rate-limits this token until \d\d:\d\d:\d\d UTC") as caught:
        gh.rest.repos.get(ORG, REPO)
    assert sleeps == [], "no retry: it would only wait an hour"
    assert "run the same command again after that" in caught.value.message


def test_a_server_error_is_retried_once_then_left_to_the_caller(
    fake: FakeGitHub, sleeps: list[float]
) -> None:
    fake.faults.append(failing(502, times=1))
    gh = client(fake)
    assert gh.rest.repos.get(ORG, REPO).status_code == 200
    fake.faults.append(failing(502))
    with pytest.raises(Outage, match=r"GitHub failed: GET /repos/acme/service answered 502"), translated():
        gh.rest.repos.get(ORG, REPO)
    assert sleeps == [1.0, 1.0]


def test_an_unreachable_api_is_an_outage_naming_it() -> None:
    closed = closed_port()
    gh = api_client(GitHubEnv(token="ghs_x", api_url=closed))
    with pytest.raises(Outage, match=f"cannot reach GitHub at {closed}"):
        gh.rest.repos.get(ORG, REPO)


def test_every_request_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDENPATH_REQUEST_TIMEOUT", "7.5")
    gh = api_client(GitHubEnv(token="ghs_x"))
    assert gh.config.timeout.connect == gh.config.timeout.read == 7.5
    monkeypatch.setenv("GOLDENPATH_REQUEST_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="GOLDENPATH_REQUEST_TIMEOUT='soon' is not a positive number"):
        api_client(GitHubEnv(token="ghs_x"))


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, CredentialError), (404, UsageError), (422, Refused), (500, Outage)],
)
def test_an_unexpected_answer_becomes_the_error_model(
    fake: FakeGitHub, sleeps: list[float], status: int, error: type[Exception]
) -> None:
    fake.faults.append(failing(status))
    gh = client(fake)
    with pytest.raises(error, match=f"answered {status}: injected {status}") as caught, translated():
        gh.rest.repos.get(ORG, REPO)
    assert type(caught.value) is error


def test_a_step_that_fails_is_recorded_and_named(fake: FakeGitHub, sleeps: list[float]) -> None:
    steps = Steps()
    gh = client(fake)
    steps.run("read", lambda: UNCHANGED if get_or_none(gh, f"/repos/{ORG}/{REPO}") else "missing")
    assert get_or_none(gh, f"/repos/{ORG}/nothing-here") is None
    fake.fail_writes_from = 1
    with pytest.raises(Outage, match=r"^step 'topics' failed: GitHub failed: PUT"):
        steps.run("topics", lambda: str(gh.rest.repos.replace_all_topics(ORG, REPO, names=["x"]).status_code))
    assert [(step.name, step.result) for step in steps.done] == [("read", UNCHANGED), ("topics", FAILED)]


def test_a_failed_git_remote_is_an_outage_unless_the_credential_was_refused(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    env = GitHubEnv(token="ghs_wrong", api_url=fake.url, server_url=fake.url)
    cases = {
        f"{fake.url}/{ORG}/{REPO}.git": CredentialError,  # the fake answers git's request 401
        f"{closed_port()}/{ORG}/{REPO}.git": Outage,
        str(tmp_path / "no-such-repo"): UsageError,
    }
    for remote, error in cases.items():
        with pytest.raises(GitError) as failed:
            git("ls-remote", remote, env=env.git_environ())
        assert type(remote_failure(failed.value)) is error, remote
        assert "ghs_wrong" not in remote_failure(failed.value).message


def test_github_repository_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert repository_from_environ({"GITHUB_REPOSITORY": "acme/service"}) == ("acme", "service")
    assert repository_from_environ({}) is None
    for wrong in ("acme", "acme/", "/service", "acme/service/x"):
        with pytest.raises(UsageError, match="set it to <owner>/<repo>"):
            repository_from_environ({"GITHUB_REPOSITORY": wrong})


def test_a_hung_server_is_an_outage_within_the_bound_even_through_the_http_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """githubkit's HTTP cache drops httpx's timeout from each request; the bound must hold anyway."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    hung = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("GOLDENPATH_REQUEST_TIMEOUT", "1")
    failures: list[BaseException] = []

    def scan() -> None:
        gh = api_client(GitHubEnv(token="ghs_x", api_url=hung), http_cache=True)
        try:
            gh.rest.repos.get(ORG, REPO)
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=scan, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a guard against hanging the suite, not a measurement
    listener.close()
    assert not worker.is_alive(), "the request waited beyond its bound"
    assert len(failures) == 1 and isinstance(failures[0], Outage)
    assert f"cannot reach GitHub at {hung} (timed out)" in str(failures[0])
