"""Bounded, paced, cached scanning: the persistent `--cache`, conditional requests across tokens, and
the rate-limit budget (pacing to a near reset, a partial report when the reset is too far).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import fleet_support
from fakes.github import start_fake_github
from fakes.github.fleet_seed import seed_fleet
from fakes.github.ratelimit import RateLimit
from fleet_support import ORG, SETTINGS, assert_valid, read_json, run_fleet
from goldenpath.fleet.budget import Budget
from goldenpath.fleet.facts import connect
from goldenpath.fleet.store import CACHE_FILE
from goldenpath.fleet.transport import Meter, RateLimitState
from goldenpath.github.client import GitHubEnv

template_base = fleet_support.template_base
SPECIAL = ("broken-0", "rate-limited-0")  # the fake's repos that fail on purpose: never cached


def test_a_new_process_with_the_cache_spends_almost_no_rate_limit(
    template_base: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=60)
        first = run_fleet(
            fake, ["fleet", "--cache", str(cache), "--json", str(tmp_path / "1.json")], monkeypatch
        )
        assert first.code == 0, first.stderr
        before = len(fake.calls)
        second = run_fleet(
            fake, ["fleet", "--cache", str(cache), "--json", str(tmp_path / "2.json")], monkeypatch
        )
        assert second.code == 0, second.stderr
        again = fake.calls[before:]
    one, two = read_json(tmp_path / "1.json"), read_json(tmp_path / "2.json")
    assert_valid(tmp_path / "1.json", tmp_path / "2.json")
    assert [r["maturity"] for r in one["repos"]] == [r["maturity"] for r in two["repos"]]
    unchanged = [name for names in fleet.kinds.values() for name in names if name not in SPECIAL]
    for name in unchanged:
        calls = [call for call in again if f"/{name}/" in call.path]
        assert {call.status for call in calls} <= {304}, (name, [(c.path, c.status) for c in calls])
        assert len(calls) <= 5, name  # rules, environments, PRs, CI; and the branch when nothing protects it
    scan = two["scan"]
    assert scan["calls"] == len(again) and scan["not_modified"] == sum(c.status == 304 for c in again)
    assert scan["rate_limited_calls"] <= 0.2 * len(two["repos"])
    assert one["scan"]["not_modified"] == 0
    assert fake.token.encode() not in (cache / CACHE_FILE).read_bytes()
    assert "304 Not Modified (free)" in second.stdout


def test_etags_are_per_token_and_last_modified_carries_over(
    template_base: dict[str, str], tmp_path: Path
) -> None:
    """As on GitHub: a new installation token gets 200 for an old ETag; `If-Modified-Since` still answers 304."""
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=12)
        name = fleet.first("compliant")

        def read(token: str) -> list[tuple[int, dict[str, str]]]:
            fake.token = token
            before = len(fake.calls)
            with connect(GitHubEnv(token=token, api_url=fake.url), tmp_path) as api, api.gh:
                api.gh.rest.repos.get_content(ORG, name, "README.md", ref="main")
                api.gh.rest.repos.get_branch_rules(ORG, name, "main")
            return [(call.status, call.headers) for call in fake.calls[before:]]

        read("ghs_token-of-monday")
        same = read("ghs_token-of-monday")
        rotated = read("ghs_token-of-next-monday")
    assert [status for status, _ in same] == [304, 304]
    (content, content_headers), (rules, rules_headers) = rotated
    assert (
        content == 304 and "if-none-match" not in content_headers and "if-modified-since" in content_headers
    )
    assert rules == 200 and "if-none-match" in rules_headers  # an ETag-only answer cannot carry over


def test_the_scan_stops_before_the_budget_runs_out_and_names_the_rest(
    template_base: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    with start_fake_github() as fake:
        seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=40)
        fake.rate_limit = RateLimit(limit=5000, remaining=260, reset_at=time.time() + 3600)
        argv = ["fleet", "--cache", str(cache), "--json", str(tmp_path / "partial.json"), "--max-wait", "60"]
        start = time.monotonic()
        partial = run_fleet(fake, [*argv, "--markdown", str(tmp_path / "partial.md")], monkeypatch)
        took = time.monotonic() - start
        left = fake.rate_limit.remaining
        fake.rate_limit = RateLimit()  # the reset came
        rerun = run_fleet(
            fake, ["fleet", "--cache", str(cache), "--json", str(tmp_path / "full.json")], monkeypatch
        )
    assert partial.code == 3, partial.stderr
    assert "the report is partial:" in partial.stderr and "(the rate limit would run out:" in partial.stderr
    assert "more than --max-wait 60 s" in partial.stderr
    assert left >= 60  # stopped with calls to spare (reserve 100, less what repos in flight spent)
    assert took < 60  # it did not wait for a reset an hour away
    report = read_json(tmp_path / "partial.json")
    assert_valid(tmp_path / "partial.json")
    scan = report["scan"]
    assert scan["complete"] is False and scan["not_scanned"] and scan["stopped"].startswith("the rate limit")
    scanned = {repo["full_name"] for repo in report["repos"]}
    assert not scanned & set(scan["not_scanned"])
    assert "> **Partial report.**" in (tmp_path / "partial.md").read_text(encoding="utf-8")
    assert rerun.code == 0, rerun.stderr
    full = read_json(tmp_path / "full.json")
    assert set(scan["not_scanned"]) <= {repo["full_name"] for repo in full["repos"]} | {
        f"{ORG}/unrelated-0",
        f"{ORG}/other-template-0",
    }


def test_a_near_reset_is_waited_for_and_announced(
    template_base: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_fake_github() as fake:
        seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=20)
        fake.rate_limit = RateLimit(limit=5000, remaining=200, reset_at=time.time() + 3)
        run = run_fleet(
            fake, ["fleet", "--json", str(tmp_path / "fleet.json"), "--max-wait", "30"], monkeypatch
        )
    assert run.code == 0, run.stderr
    assert "rate limit: " in run.stderr and "waiting" in run.stderr and "for the reset at" in run.stderr
    assert read_json(tmp_path / "fleet.json")["scan"]["complete"] is True
    assert not [call for call in fake.calls if call.status == 403 and "/rate-limited-0/" not in call.path]


def test_the_budget_never_sleeps_without_a_reset_to_wait_for() -> None:
    slept: list[float] = []
    meter = Meter()
    budget = Budget(meter, reserve=10, max_wait=100, clock=lambda: 1000.0, sleep=slept.append)
    assert budget.admit()  # no rate-limit header seen yet (GHES without limits): go
    meter.rate = RateLimitState(5000, 20, 990.0, 4980)  # a reset already past: the window is full again
    assert budget.admit() and slept == []
    meter.rate = RateLimitState(5000, 20, 5000.0, 4980)  # an hour away, more than max_wait
    assert not budget.admit() and slept == []
    assert budget.stopped is not None and "more than --max-wait 100 s" in budget.stopped
