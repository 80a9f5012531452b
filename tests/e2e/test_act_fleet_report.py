"""The fleet-report workflow, run with act on workflow_dispatch: a plan, two shards on a matrix, one merge.

The central repository is a checkout of the harness's snapshot whose
goldenpath.yml sets `fleet.shard_size` so that the fake org (`seed_fleet`)
needs two shards. Every job installs goldenpath from that checkout and talks
to the shared fake GitHub API (act's `--env GITHUB_API_URL`) with the
app-token double's token. The cache doubles keep their entries in a directory
of the test, so the test sees what a weekly run would find next week; the
artifact doubles carry the shards' reports to the merge job. One run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import fleet_support
from e2e.act_run import ActRun
from e2e.harness import Harness
from e2e.repos import GeneratedRepo
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet_seed import Fleet, seed_fleet
from fleet_support import assert_valid, read_json, run_fleet

pytestmark = pytest.mark.e2e

WORKFLOW = "fleet-report.yml"
SHARD_SIZE = 15
REPOS = 24  # two shards of at most 15

template_base = fleet_support.template_base


@dataclass
class Reported:
    run: ActRun
    fake: FakeGitHub
    fleet: Fleet
    cache: Path


@pytest.fixture(scope="module")
def reported(
    harness: Harness, template_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reported]:
    central = GeneratedRepo.central_checkout(
        tmp_path_factory.mktemp("central"), harness.central, harness.settings
    )
    settings = central.path / "goldenpath.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + f"\nfleet:\n  shard_size: {SHARD_SIZE}\n", encoding="utf-8"
    )
    central.commit("Shards of 15 repos")
    cache = tmp_path_factory.mktemp("actions-cache")
    org = harness.settings.org
    with start_fake_github() as fake:
        fleet = seed_fleet(
            fake, template_base, org=org, central_repo=harness.settings.central_repo, size=REPOS
        )
        run = harness.run(
            central,
            WORKFLOW,
            "workflow_dispatch",
            secrets={"FLEET_APP_PRIVATE_KEY": "e2e-not-a-real-key"},
            variables={"FLEET_APP_ID": "12345"},
            env={"GOLDENPATH_E2E_GITHUB_TOKEN": fake.token, "GOLDENPATH_E2E_CACHE": str(cache)},
            github_env={"GITHUB_API_URL": fake.url},
            inputs={"publish-pages": "false"},
        )
        yield Reported(run, fake, fleet, cache)


def test_the_run_plans_two_shards_scans_them_and_merges(reported: Reported) -> None:
    run = reported.run
    assert run.returncode == 0, run.tail()
    succeeded = [job for job, status in run.jobs.items() if status == "succeeded"]
    assert len(succeeded) == 4 and set(run.jobs.values()) == {"succeeded"}, run.jobs  # plan, 2 shards, report
    assert '"shards": ["1/2", "2/2"]' in run.text
    artifacts = run.artifacts
    assert sorted(p.name for p in artifacts.iterdir()) == [
        "fleet-report",
        "fleet-shard-1-of-2",
        "fleet-shard-2-of-2",
    ]
    one = read_json(artifacts / "fleet-shard-1-of-2" / "1-of-2.json")
    two = read_json(artifacts / "fleet-shard-2-of-2" / "2-of-2.json")
    assert one["scan"]["shards"] == ["1/2"] and two["scan"]["shards"] == ["2/2"]
    report_dir = artifacts / "fleet-report"
    assert {"fleet.json", "index.html", "fleet.md"} <= {p.name for p in report_dir.iterdir()}
    assert_valid(report_dir / "fleet.json", artifacts / "fleet-shard-1-of-2" / "1-of-2.json")
    report = read_json(report_dir / "fleet.json")
    assert report["scan"]["shards"] == ["1/2", "2/2"] and report["scan"]["complete"] is True
    assert len(report["repos"]) == reported.fleet.members == len(one["repos"]) + len(two["repos"])
    assert report["trends"] == {  # no earlier week in the cache yet: one point
        "previous": None,
        "newly_passing": {},
        "newly_failing": {},
        "points": report["trends"]["points"],
    }
    assert len(report["trends"]["points"]) == 1


def test_the_merged_report_is_one_scans(
    reported: Reported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged = read_json(reported.run.artifacts / "fleet-report" / "fleet.json")
    single = run_fleet(reported.fake, ["fleet", "--json", str(tmp_path / "one.json")], monkeypatch)
    assert single.code == 0, single.stderr
    assert _comparable(merged) == _comparable(read_json(tmp_path / "one.json"))


def test_caches_are_saved_where_next_weeks_run_finds_them(reported: Reported) -> None:
    entries = sorted(path.name for path in reported.cache.iterdir())
    shards = [name for name in entries if name.startswith("fleet-cache-")]
    assert [name.rsplit("-", 1)[0] for name in shards] == ["fleet-cache-1-of-2", "fleet-cache-2-of-2"]
    for name in shards:
        assert (reported.cache / name / ".fleet-cache" / "fleet-cache.sqlite3").stat().st_size > 0
    (history,) = [name for name in entries if name.startswith("fleet-history-")]
    kept = list((reported.cache / history / "fleet-history").glob("*.json"))
    assert len(kept) == 1 and read_json(kept[0])["scan"]["shards"] == ["1/2", "2/2"]
    assert reported.fake.token not in reported.run.text


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between runs: when, and what it cost."""
    stamp = report["generated_at"]
    kept = {key: value for key, value in report.items() if key not in ("scan", "generated_at", "trends")}
    for campaign in kept.get("campaigns", []):
        campaign["issue_markdown"] = campaign["issue_markdown"].replace(stamp, "")
    return kept
