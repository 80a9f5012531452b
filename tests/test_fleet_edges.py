"""Edges of the fleet scan, each decided in docs/fleet.md: release lines (a newer major, pre-releases,
moving tags, copier's git-describe `_commit`), repos whose tree cannot be read, and paged listings
(`Link` headers, a server that ignores `page`, the page cap).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import fleet_support
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet import push_files
from fakes.github.fleet_seed import CENTRAL_TAGS, Fleet, seed_fleet
from fakes.github.repos import add_repo, find_repo
from fakes.github.server import Reply
from fleet_support import ORG, SETTINGS, STATEMENT_IDS, assert_valid, by_name, read_json, results, run_fleet
from goldenpath.errors import Outage
from goldenpath.fleet.facts import connect
from goldenpath.fleet.scan import scan_fleet
from goldenpath.github.client import GitHubEnv

template_base = fleet_support.template_base

# A newer major, pre-releases of both lines and both moving tags.
TAGS = (*CENTRAL_TAGS, "v1.3.0-rc.1", "v2.0.0", "v2.1.0-rc.1", "v2")
ANSWERS = ".copier-answers.yml"


@dataclass
class Edges:
    fake: FakeGitHub
    fleet: Fleet
    out: Path
    report: dict[str, Any]
    markdown: str
    stdout: str
    page: str


def _with_commit(fake: FakeGitHub, name: str, commit: str | None) -> None:
    repo = find_repo(fake, ORG, name)
    assert repo is not None
    answers = yaml.safe_load(repo["_files"][ANSWERS])
    if commit is None:
        answers.pop("_commit")
    else:
        answers["_commit"] = commit
    push_files(fake, ORG, name, {ANSWERS: yaml.safe_dump(answers)})


@pytest.fixture(scope="module")
def edges(template_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edges]:
    out = tmp_path_factory.mktemp("edges")
    with start_fake_github() as fake, pytest.MonkeyPatch.context() as env:
        fleet = seed_fleet(
            fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=32, central_tags=TAGS
        )
        compliant = fleet.kinds["compliant"]
        _with_commit(fake, compliant[1], "v2.0.0")
        _with_commit(fake, compliant[2], "v1.2.0-0-gfe3da8c")
        _with_commit(fake, fleet.kinds["behind"][1], "v1.1.0-3-gabc1234")
        _with_commit(fake, fleet.kinds["pinned"][1], "v1.3.0-rc.1")
        _with_commit(fake, fleet.kinds["sha"][1], None)
        add_repo(fake, ORG, "empty-409", topics=["goldenpath"], _files={})
        add_repo(fake, ORG, "empty-404", topics=["goldenpath"], _files={})
        fake.faults.append(
            lambda method, path: (
                Reply(404, {"message": "Not Found"}) if "/empty-404/git/trees/" in path else None
            )
        )
        add_repo(
            fake,
            ORG,
            "branch-gone",
            topics=["goldenpath"],
            _files=dict(template_base),
            default_branch="trunk",
            _branches={"main": "0" * 40},
        )
        argv = [
            "fleet",
            "--json",
            str(out / "fleet.json"),
            "--markdown",
            str(out / "fleet.md"),
            "--html",
            str(out / "fleet.html"),
        ]
        run = run_fleet(fake, argv, env)
        assert run.code == 0, run.stderr
        yield Edges(
            fake,
            fleet,
            out,
            read_json(out / "fleet.json"),
            (out / "fleet.md").read_text(encoding="utf-8"),
            run.stdout,
            (out / "fleet.html").read_text(encoding="utf-8"),
        )


def test_newest_is_the_supported_lines_and_a_newer_major_is_a_separate_fact(edges: Edges) -> None:
    central = edges.report["central"]
    assert central["newest_release"] == "v1.2.0"
    assert central["newest_release_overall"] == "v2.0.0"
    assert central["releases"] == ["v2.0.0", "v1.2.0", "v1.1.0", "v1.0.0", "v0.9.0"]  # no rc, no v1/v2
    assert "Newest release of `v1`: `v1.2.0`." in edges.markdown
    assert "v2.0.0 is out (a new major); repos move with `goldenpath update --to v2.0.0`." in edges.markdown
    assert "newest release of v1 v1.2.0;" in edges.stdout
    assert "v2.0.0 is out (a new major); repos move with goldenpath update --to v2.0.0." in edges.stdout
    assert "newest release of <code>v1</code>: <code>v1.2.0</code>" in edges.page
    assert 'id="newer-major"' in edges.page and "<code>goldenpath update --to v2.0.0</code>" in edges.page
    statuses = dict(re.findall(r'data-version="([^"]+)" data-status="([^"]+)"', edges.page))
    assert statuses == {
        "v2.0.0": "unsupported-major",
        "v1.2.0": "current",
        "v1.1.0": "behind",
        "v1.0.0": "behind",
        "v0.9.0": "unsupported-major",
        "unknown": "unknown",
    }
    assert_valid(edges.out / "fleet.json")


def test_template_drift_on_every_edge(edges: Edges) -> None:
    repos = by_name(edges.report)
    kinds = edges.fleet.kinds

    def drift(name: str) -> tuple[Any, ...]:
        t = repos[name]["template"]
        return t["status"], t["version"], t["newest_in_line"], t["behind"]

    assert drift(kinds["compliant"][0]) == ("current", "v1.2.0", "v1.2.0", 0)
    assert drift(kinds["compliant"][1]) == ("unsupported-major", "v2.0.0", "v1.2.0", None)
    assert (
        "major v2 is newer than the supported line v1" in repos[kinds["compliant"][1]]["template"]["reason"]
    )
    assert drift(kinds["compliant"][2]) == ("current", "v1.2.0", "v1.2.0", 0)  # -0-g: exactly the tag
    assert drift(kinds["behind"][1]) == ("behind", "v1.1.0", "v1.2.0", 1)  # -3-g: judged as its tag
    assert (
        repos[kinds["behind"][1]]["template"]["reason"]
        == "3 template commit(s) after v1.1.0; 1 release(s) behind v1.2.0"
    )
    assert drift(kinds["pinned"][1]) == ("unknown", None, None, None)  # a pre-release is no release
    assert drift(kinds["sha"][1]) == ("unknown", None, None, None)  # no _commit: no newest_in_line
    assert drift(kinds["unsupported"][0]) == ("unsupported-major", "v0.9.0", "v1.2.0", None)
    assert "move with goldenpath update --to v1.2.0" in repos[kinds["unsupported"][0]]["template"]["reason"]


def test_an_empty_repo_is_a_row_without_error(edges: Edges) -> None:
    repos = by_name(edges.report)
    for name in ("empty-409", "empty-404"):
        repo = repos[name]
        assert repo["error"] is None, name
        assert repo["template"]["status"] == "unknown"
        assert repo["template"]["reason"] == "the repository is empty (no commit yet)"
        assert results(repo)["10/16/17"] == "fail"
    branches = [call for call in edges.fake.calls if call.path == f"/repos/{ORG}/empty-404/branches"]
    assert len(branches) == 1  # a 404 tree is asked about once more, through the branch list


def test_a_default_branch_that_is_gone_is_an_error_row(edges: Edges) -> None:
    repo = by_name(edges.report)["branch-gone"]
    assert repo["error"].startswith("the default branch trunk does not exist (GET /repos/")
    assert set(results(repo).values()) == {"unknown"}
    assert set(results(repo)) == set(STATEMENT_IDS)


def test_listings_follow_link_headers_across_pages(template_base: dict[str, str]) -> None:
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=230)
        with connect(GitHubEnv(token=fake.token, api_url=fake.url)) as api:
            report = scan_fleet(api, SETTINGS, concurrency=8)
    assert len(report.repos) == fleet.members
    listed = [call for call in fake.calls if call.path == f"/orgs/{ORG}/repos"]
    assert [call.query.get("page", "1") for call in listed] == ["1", "2", "3"]
    assert all(call.query["type"] == "all" for call in listed)  # the next link keeps the query


def test_a_server_that_ignores_page_is_an_error_not_a_loop(
    template_base: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_fake_github() as fake:
        seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=230)
        fake.ignores_page = True
        run = run_fleet(fake, ["fleet"], monkeypatch)
    assert run.code == 3
    assert f"GET /orgs/{ORG}/repos: page 2 repeats earlier items (the server ignores `page`)" in run.stderr
    assert len([call for call in fake.calls if call.path == f"/orgs/{ORG}/repos"]) == 2


def test_the_page_cap_stops_a_listing_that_does_not_end(template_base: dict[str, str]) -> None:
    with start_fake_github() as fake:
        seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=230)
        with (
            connect(GitHubEnv(token=fake.token, api_url=fake.url), max_pages=2) as api,
            pytest.raises(Outage, match=r"still more after 2 pages; stopped rather than read forever"),
        ):
            scan_fleet(api, SETTINGS, concurrency=2)
    assert len([call for call in fake.calls if call.path == f"/orgs/{ORG}/repos"]) == 2


def test_a_next_link_back_to_a_page_already_read_is_an_error(
    template_base: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_fake_github() as fake:
        seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=12)
        first = f"{fake.url}/orgs/{ORG}/repos?type=all&per_page=100"

        def loop(method: str, path: str) -> Reply | None:
            if path != f"/orgs/{ORG}/repos":
                return None
            return Reply(200, [{"id": 1, "full_name": f"{ORG}/only"}], {"Link": f'<{first}>; rel="next"'})

        fake.faults.append(loop)
        run = run_fleet(fake, ["fleet"], monkeypatch)
    assert run.code == 3
    assert f"GET /orgs/{ORG}/repos: page 1 links back to a page already read" in run.stderr
