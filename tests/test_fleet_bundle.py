"""The fleet reads the bundle as the Databricks CLI loads it: `databricks.yml` and every file its
`include:` names, such as jobs kept in `jobs/`, at no extra call for a repo that includes only
`resources/*.yml`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import fleet_support
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet import push_files
from fakes.github.fleet_seed import Fleet, seed_fleet
from fakes.github.server import Call
from fleet_support import ORG, SETTINGS
from goldenpath.fleet.facts import bundle_includes, connect, wanted_file
from goldenpath.fleet.model import FleetReport, RepoReport
from goldenpath.fleet.scan import scan_fleet
from goldenpath.github.client import GitHubEnv

template_base = fleet_support.template_base
JOB = "resources/pipeline_job.yml"
MOVED = "jobs/pipeline_job.yml"


@dataclass
class Scans:
    fake: FakeGitHub
    fleet: Fleet
    first: FleetReport
    second: FleetReport
    second_calls: list[Call]

    def row(self, name: str) -> RepoReport:
        return next(repo for repo in self.first.repos if repo.name == name)


def _moved_to_jobs(base: dict[str, str], *, without: str | None = None) -> dict[str, str | None]:
    """The training job in jobs/ (included beside resources/), optionally without one line of it."""
    job = base[JOB]
    if without is not None:
        job = "\n".join(line for line in job.splitlines() if without not in line) + "\n"
    root = base["databricks.yml"].replace("  - resources/*.yml\n", "  - resources/*.yml\n  - jobs/*.yml\n")
    assert root != base["databricks.yml"]
    return {JOB: None, MOVED: job, "databricks.yml": root}


@pytest.fixture(scope="module")
def scans(template_base: dict[str, str]) -> Iterator[Scans]:
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=32)
        moved, untraced = fleet.kinds["compliant"][1:3]
        push_files(fake, ORG, moved, _moved_to_jobs(template_base))
        push_files(fake, ORG, untraced, _moved_to_jobs(template_base, without="git_sha:"))
        with connect(GitHubEnv(token=fake.token, api_url=fake.url)) as api:
            first = scan_fleet(api, SETTINGS, concurrency=1)
            before = len(fake.calls)
            second = scan_fleet(api, SETTINGS, concurrency=1)
            yield Scans(fake, fleet, first, second, fake.calls[before:])


def test_a_job_in_an_included_folder_is_judged(scans: Scans) -> None:
    moved = scans.row(scans.fleet.kinds["compliant"][1])
    for key in ("22/25", "39"):
        assert moved.maturity[key].result == "pass", moved.maturity[key]
    refs = [evidence.ref for evidence in moved.maturity["39"].evidence]
    assert any(ref.startswith(f"{MOVED}:") for ref in refs), refs
    untraced = scans.row(scans.fleet.kinds["compliant"][2])
    verdict = untraced.maturity["22/25"]
    assert verdict.result == "fail" and "has no git_sha tag" in verdict.reason
    assert verdict.evidence[0].ref.startswith(f"{MOVED}:")


def test_only_the_files_the_bundle_includes_are_read(scans: Scans, template_base: dict[str, str]) -> None:
    """Each file's text once per blob (concurrency 1: no two reads race), and nothing the bundle does not load."""
    reads = [call.path for call in scans.fake.calls if "/contents/" in call.path]
    assert len(reads) == len(set(reads))
    read_paths = {path.split("/contents/", 1)[1] for path in reads}
    assert MOVED in read_paths
    included = bundle_includes(template_base, dict.fromkeys(template_base, ""))
    assert included == sorted(path for path in template_base if path.startswith("resources/"))
    expected = {path for path in template_base if wanted_file(path)} | set(included)
    assert read_paths - {MOVED} <= expected


def test_a_second_scan_of_a_repo_with_included_jobs_costs_only_revalidations(scans: Scans) -> None:
    moved = scans.fleet.kinds["compliant"][1]
    calls = [call for call in scans.second_calls if f"/{moved}/" in call.path]
    assert len(calls) <= 4 and {call.status for call in calls} == {304}, [c.path for c in calls]
    assert [row.maturity for row in scans.first.repos] == [row.maturity for row in scans.second.repos]
