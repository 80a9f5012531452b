"""`goldenpath fleet` against a 500-repo fake fleet, through githubkit: the JSON per kind of repo,
every maturity statement for a compliant and a bare repo, owners and levels, caching on a second
scan, and the renderers (the page in a browser: test_fleet_page.py).

The fleet's files start from a real copier render of the template, so the
statements are checked against what goldenpath actually generates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import fleet_support
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet import push_files
from fakes.github.fleet_seed import HANDED_TO, NEWEST, SHA_PIN, Fleet, seed_fleet
from fakes.github.repos import find_repo
from fakes.github.server import Reply
from fleet_support import ORG, SETTINGS, STATEMENT_IDS, assert_valid, read_json, run_fleet
from fleet_support import results as _results
from goldenpath.cli import main
from goldenpath.fleet.facts import connect
from goldenpath.fleet.scan import scan_fleet
from goldenpath.fleet.statements import MANUAL, STATEMENTS, TEMPLATE_README_HEADINGS
from goldenpath.github.client import GitHubEnv
from rendering import EXAMPLE_ANSWERS, REPO_ROOT

FLEET_SIZE = 500
template_base = fleet_support.template_base


@dataclass
class Scanned:
    fake: FakeGitHub
    fleet: Fleet
    report: dict[str, Any]
    out: Path
    stdout: str
    stderr: str
    exit_code: int

    def repo(self, name: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [repo for repo in self.report["repos"] if repo["name"] == name]
        assert found, f"{name} is not in the report"
        return found[0]

    def kind(self, kind: str) -> dict[str, Any]:
        return self.repo(self.fleet.first(kind))


@pytest.fixture(scope="module")
def scanned(template_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    out = tmp_path_factory.mktemp("fleet")
    with start_fake_github() as fake, pytest.MonkeyPatch.context() as env:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=FLEET_SIZE)
        outputs = ["--json", str(out / "fleet.json"), "--html", str(out / "fleet.html")]
        run = run_fleet(
            fake,
            ["fleet", *outputs, "--markdown", str(out / "fleet.md"), "--concurrency", "8"],
            env,
            summary=out / "summary.md",
        )
        yield Scanned(fake, fleet, read_json(out / "fleet.json"), out, run.stdout, run.stderr, run.code)


def test_scan_reports_every_fleet_repo_and_nothing_else(scanned: Scanned) -> None:
    assert scanned.exit_code == 0, scanned.stderr
    names = {repo["name"] for repo in scanned.report["repos"]}
    assert len(names) == scanned.fleet.members >= FLEET_SIZE - 3
    assert not names & {"unrelated-0", "other-template-0", SETTINGS.central_repo}
    assert scanned.report["schema_version"] == 1
    assert scanned.report["central"] == {
        "repo": SETTINGS.central_slug,
        "release_line": SETTINGS.release_line,
        "newest_release": NEWEST,
        "newest_release_overall": NEWEST,
        "releases": ["v1.2.0", "v1.1.0", "v1.0.0", "v0.9.0"],
    }
    assert [s["id"] for s in scanned.report["statements"]] == STATEMENT_IDS
    automated = {n for s in scanned.report["statements"] for n in s["numbers"]}
    assert set(scanned.report["manual_statements"]["numbers"]) == set(range(1, 61)) - automated
    assert scanned.report["summary"]["repos"] == len(names)


def test_report_follows_the_documented_json_schema(scanned: Scanned) -> None:
    assert_valid(scanned.out / "fleet.json")
    assert scanned.report["kind"] == "goldenpath-fleet-report"


def test_owners_come_from_codeowners_else_the_answers(scanned: Scanned) -> None:
    compliant = scanned.kind("compliant")["owner"]
    assert compliant["name"] == EXAMPLE_ANSWERS["team"] and compliant["kind"] == "team"
    assert compliant["source"] == ".github/CODEOWNERS:2"
    handed = scanned.kind("classic")["owner"]  # CODEOWNERS names another team than the answers
    assert (handed["name"], handed["source"]) == (HANDED_TO, ".github/CODEOWNERS:2")
    bare = scanned.kind("bare")["owner"]  # no CODEOWNERS: the team answer
    assert (bare["name"], bare["source"]) == (EXAMPLE_ANSWERS["team"], ".copier-answers.yml")


def test_levels_with_the_default_definitions(scanned: Scanned) -> None:
    levels = scanned.report["levels"]
    assert [(d["name"], d["not_checked"]) for d in levels["definitions"]] == [
        ("Bronze", []),
        ("Silver", []),
        ("Gold", []),  # cost and monitoring: every statement of it is checked
    ]
    assert levels["definitions"][0]["statements"] == ["10/16/17", "29/33", "11/18/30/34"]
    assert scanned.kind("compliant")["level"] == {"name": "Gold", "next": None, "lacks": []}
    unmonitored = scanned.kind("unmonitored")["level"]
    assert unmonitored["name"] == "Silver" and unmonitored["next"] == "Gold"
    assert [(lack["id"], lack["result"]) for lack in unmonitored["lacks"]] == [("43", "fail"), ("45", "fail")]
    bare = scanned.kind("bare")["level"]
    assert bare["name"] == "none" and bare["next"] == "Bronze"
    assert {lack["id"] for lack in bare["lacks"]} == {"10/16/17", "29/33", "11/18/30/34"}
    unprotected = scanned.kind("unprotected")["level"]
    assert unprotected["name"] == "none" and [lack["id"] for lack in unprotected["lacks"]] == ["11/18/30/34"]
    counts = levels["counts"]
    assert sum(counts.values()) == len(scanned.report["repos"]) and counts["Gold"] >= counts["Silver"] > 0
    assert scanned.report["trends"] is None and scanned.report["campaigns"] == []


def test_the_scan_reports_its_cost(scanned: Scanned) -> None:
    scan = scanned.report["scan"]
    assert scan["complete"] is True and scan["not_scanned"] == [] and scan["shards"] == ["1/1"]
    served = [call for call in scanned.fake.calls]
    assert scan["calls"] == len(served)
    assert scan["not_modified"] == sum(call.status == 304 for call in served)
    assert scan["rate_limited_calls"] == scan["calls"] - scan["not_modified"]
    assert scan["rate_limit"]["limit"] == scanned.fake.rate_limit.limit
    assert scan["rate_limit"]["remaining"] == scanned.fake.rate_limit.remaining
    summary = (scanned.out / "summary.md").read_text(encoding="utf-8")
    assert f"**Scan:** {scan['calls']} API calls, {scan['not_modified']} answered 304" in summary


def test_compliant_repo_passes_every_statement_with_evidence(scanned: Scanned) -> None:
    repo = scanned.kind("compliant")
    assert repo["error"] is None
    assert repo["discovered_by"] == ["topic", "copier-answers"]
    assert repo["template"] | {"reason": ""} == {
        "status": "current",
        "version": NEWEST,
        "commit": NEWEST,
        "newest_in_line": NEWEST,
        "behind": 0,
        "reason": "",
    }
    assert repo["workflows"]["status"] == "following"
    assert repo["workflows"]["missing"] == []
    assert sorted(use["workflow"] for use in repo["workflows"]["uses"]) == [
        "reusable-build.yml",
        "reusable-deploy.yml",
        "reusable-deploy.yml",
        "reusable-template-update.yml",
        "reusable-test.yml",
    ]
    assert repo["ci"]["conclusion"] == "success"
    assert repo["update_pr"] is None
    # A batch repo runs no A/B test: 59 passes as not applicable, like 41 and 60.
    assert _results(repo) == dict.fromkeys(STATEMENT_IDS, "pass")
    assert repo["automated_statements_all_pass"] is True
    maturity = repo["maturity"]
    for key, verdict in maturity.items():
        assert verdict["evidence"], f"{key} passes without evidence"
    assert maturity["11/18/30/34"]["evidence"][0]["source"] == "ruleset"
    assert "required_approving_review_count=1" in maturity["11/18/30/34"]["evidence"][0]["detail"]
    assert {e["source"] for e in maturity["13"]["evidence"]} == {"file", "api"}
    assert maturity["29/33"]["evidence"][0]["ref"].startswith(".github/workflows/ci.yml:")
    assert maturity["32"]["evidence"][1]["detail"] == "coverage-threshold=80"
    assert maturity["37"]["reason"].endswith("Model card")
    refs = [evidence["ref"] for evidence in maturity["39"]["evidence"]]
    assert [ref.split(":")[0] for ref in refs] == ["resources/monitoring.yml", "resources/pipeline_job.yml"]
    cost = maturity["39"]["evidence"][1]  # every job: the monitoring job's, then the training job's
    assert "cost_center=CC-1234" in cost["detail"]
    assert cost["url"].startswith(
        f"https://github.invalid/{ORG}/{repo['name']}/blob/main/resources/pipeline_job.yml#L"
    )


BARE_REASONS = {
    "10/16/17": "no src/**/*.py and no databricks.yml",
    "11/18/30/34": "no ruleset or branch protection requires pull requests",
    "12/19": "no workflow triggered on push calls the central",
    "13": "no databricks.yml",
    "14/21": "no databricks.yml",
    "20": "poetry.lock is not committed",
    "22/25": "no databricks.yml",
    "29/33": "no workflow triggered on pull_request calls the central reusable-test.yml",
    "31": "no .pre-commit-config.yaml",
    "32": "no tests/test_*.py",
    "37": "README.md has only the template's sections",
    "38": "no tags",
    "39": "no databricks.yml",
    "40": "no databricks.yml",
    "41": "no databricks.yml",
    "42": "no databricks.yml",
    "43": "no databricks.yml",
    "45": "no databricks.yml",
    "58": "no databricks.yml",
    "59": "no databricks.yml",
    "60": "no databricks.yml",
}


def test_bare_repo_fails_every_statement_and_says_why(scanned: Scanned) -> None:
    repo = scanned.kind("bare")
    assert set(BARE_REASONS) == set(STATEMENT_IDS)
    assert _results(repo) == dict.fromkeys(STATEMENT_IDS, "fail")
    for key, reason in BARE_REASONS.items():
        assert reason in repo["maturity"][key]["reason"], key
    assert repo["workflows"]["status"] == "off-road"
    assert repo["workflows"]["missing"] == [
        "reusable-test.yml",
        "reusable-build.yml",
        "reusable-deploy.yml or reusable-deploy-oidc.yml",
    ]
    assert repo["ci"] is None
    assert repo["automated_statements_all_pass"] is False


def test_repo_on_an_old_release_with_an_update_pr(scanned: Scanned) -> None:
    repo = scanned.kind("behind")
    assert repo["template"]["status"] == "behind"
    assert repo["template"]["version"] == "v1.0.0"
    assert repo["template"]["behind"] == 2
    assert repo["update_pr"]["number"] == 1
    assert repo["update_pr"]["age_days"] == 12
    assert repo["ci"]["conclusion"] == "failure"
    assert _results(repo)["20"] == "fail"


def test_pinned_and_sha_callers(scanned: Scanned) -> None:
    pinned = scanned.kind("pinned")
    assert pinned["workflows"]["status"] == "pinned"
    assert {use["ref"] for use in pinned["workflows"]["uses"]} == {"v1.1.0"}
    assert pinned["template"]["behind"] == 1
    sha = scanned.kind("sha")
    assert sha["workflows"]["status"] == "sha"
    assert {use["ref"] for use in sha["workflows"]["uses"]} == {SHA_PIN}
    assert {use["kind"] for use in sha["workflows"]["uses"]} == {"sha"}


def test_unsupported_major(scanned: Scanned) -> None:
    repo = scanned.kind("unsupported")
    assert repo["template"]["status"] == "unsupported-major"
    assert repo["template"]["version"] == "v0.9.0"
    assert repo["template"]["newest_in_line"] == NEWEST  # the supported line's newest, where it should move
    assert repo["template"]["behind"] is None  # releases of another major do not count


def test_off_road_repo(scanned: Scanned) -> None:
    repo = scanned.kind("off-road")
    assert repo["workflows"] == {
        "status": "off-road",
        "uses": [],
        "missing": [
            "reusable-test.yml",
            "reusable-build.yml",
            "reusable-deploy.yml or reusable-deploy-oidc.yml",
        ],
    }
    results = _results(repo)
    assert results["12/19"] == results["29/33"] == results["32"] == "fail"
    assert results["22/25"] == results["39"] == "pass"  # the bundle is still the template's
    assert repo["ci"] is None


def test_protection_kinds(scanned: Scanned) -> None:
    unprotected = scanned.kind("unprotected")
    assert _results(unprotected)["11/18/30/34"] == "fail"
    assert _results(unprotected)["13"] == "fail"
    assert "no required reviewers" in unprotected["maturity"]["13"]["reason"]
    classic = scanned.kind("classic")
    verdict = classic["maturity"]["11/18/30/34"]
    assert verdict["result"] == "pass"
    assert verdict["evidence"][0]["source"] == "branch_protection"


def test_hand_made_repo_is_found_by_its_answers_file(scanned: Scanned) -> None:
    repo = scanned.kind("hand-made")
    assert repo["discovered_by"] == ["copier-answers"]
    assert repo["template"]["status"] == "current"


def test_a_failing_repo_is_reported_unknown_without_stopping_the_scan(scanned: Scanned) -> None:
    repo = scanned.kind("broken")
    assert re.match(r"GET /repos/[^ ]+/broken-0/git/trees/main: HTTP 500", repo["error"])
    assert set(_results(repo).values()) == {"unknown"}
    assert repo["template"]["status"] == "unknown"
    assert repo["automated_statements_all_pass"] is None
    assert scanned.report["summary"]["errors"] == 1


def test_a_rate_limited_repo_waits_for_the_reset_and_is_scanned(scanned: Scanned) -> None:
    repo = scanned.kind("rate-limited")
    assert repo["error"] is None
    assert _results(repo) == dict.fromkeys(STATEMENT_IDS, "pass")
    tree = [c.status for c in scanned.fake.calls if c.path.endswith("/rate-limited-0/git/trees/main")]
    assert tree[:2] == [403, 200]


def test_terminal_table_markdown_and_step_summary(scanned: Scanned) -> None:
    compliant = scanned.fleet.first("compliant")
    row = next(line for line in scanned.stdout.splitlines() if line.startswith(compliant + " "))
    assert NEWEST in row and "following" in row and f"{len(STATEMENT_IDS)}/{len(STATEMENT_IDS)}" in row
    assert row.split()[2] == "Gold"
    unmonitored = scanned.fleet.first("unmonitored")
    row = next(line for line in scanned.stdout.splitlines() if line.startswith(unmonitored + " "))
    assert "Silver (Gold lacks 43, 45)" in row
    assert "need people to answer them" in scanned.stdout
    assert "scanning [" in scanned.stderr  # progress goes to stderr, not into the table
    assert "github: PrimaryRateLimitExceeded for request GET" in scanned.stderr  # a retry is one line
    assert "Traceback" not in scanned.stderr
    summary = (scanned.out / "summary.md").read_text(encoding="utf-8")
    assert summary == (scanned.out / "fleet.md").read_text(encoding="utf-8")
    assert f"| `{NEWEST}` |" in summary
    assert "need people to answer them" in summary


def test_html_page_is_self_contained(scanned: Scanned) -> None:
    page = (scanned.out / "fleet.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""\bsrc=["']?https?:""", page)
    assert page.count("<tr data-flags=") == len(scanned.report["repos"])
    assert (
        "<svg" in page and f'href="https://github.invalid/{ORG}/{scanned.fleet.first("compliant")}"' in page
    )


def test_second_scan_costs_at_most_four_calls_per_unchanged_repo_and_sees_changes(
    template_base: dict[str, str], request: pytest.FixtureRequest
) -> None:
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=40)
        api = connect(GitHubEnv(token=fake.token, api_url=fake.url))
        request.addfinalizer(api.close)
        scan_fleet(api, SETTINGS, concurrency=4)
        compliant, other = fleet.kinds["compliant"][:2]
        before = len(fake.calls)
        scan_fleet(api, SETTINGS, concurrency=4)
        again = fake.calls[before:]
        for name in (compliant, fleet.first("classic"), fleet.first("behind")):
            per_repo = [c for c in again if f"/{name}/" in c.path]
            assert len(per_repo) <= 4, [c.path for c in per_repo]
            assert {c.status for c in per_repo} == {304}

        push_files(fake, ORG, compliant, {"poetry.lock": None})
        find_repo(fake, ORG, other)["_rules"] = []  # type: ignore[index]
        report = scan_fleet(api, SETTINGS, concurrency=4)
        rows = {row.name: row for row in report.repos}
        assert rows[compliant].maturity["20"].result == "fail"
        assert rows[other].maturity["11/18/30/34"].result == "fail"


def test_template_readme_headings_match_the_template() -> None:
    readme = (REPO_ROOT / "template" / "{{cookiecutter.repo_name}}" / "README.md").read_text(encoding="utf-8")
    assert tuple(re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)) == TEMPLATE_README_HEADINGS


def test_manual_statements_are_the_rest_of_the_assessment() -> None:
    assert set(MANUAL).isdisjoint(n for s in STATEMENTS for n in s.info.numbers)
    assert len(MANUAL) + sum(len(s.info.numbers) for s in STATEMENTS) == 60


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["fleet"], {}, "GITHUB_TOKEN is not set"),
        (["fleet", "--concurrency", "0"], {"GITHUB_TOKEN": "x"}, "is not a whole number of at least 1"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str],
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse refuses bad values itself
        code = int(str(exit_.code))
    assert code == 2
    assert message in capsys.readouterr().err


def test_missing_endpoints_and_a_token_without_administration_read(template_base: dict[str, str]) -> None:
    """404 means "none" (no rulesets, no runs); a 403 on branch protection leaves approvals unknown."""
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=14)
        name = fleet.first("classic")

        def refuse(method: str, path: str) -> Reply | None:
            if path.startswith(f"/repos/{ORG}/{name}/rules/") or "/actions/workflows/" in path:
                return Reply(404, {"message": "Not Found"})
            if path.startswith(f"/repos/{ORG}/{name}/branches/main/protection"):
                return Reply(403, {"message": "Resource not accessible by integration"})
            return None

        fake.faults.append(refuse)
        with connect(GitHubEnv(token=fake.token, api_url=fake.url)) as api:
            rows = {row.name: row for row in scan_fleet(api, SETTINGS, concurrency=4).repos}
    classic = rows[name]
    assert classic.error is None
    assert classic.maturity["11/18/30/34"].result == "unknown"
    assert "not readable (HTTP 403)" in classic.maturity["11/18/30/34"].reason
    assert classic.ci is not None and classic.ci.status == "none"
    compliant_ci = rows[fleet.first("compliant")].ci
    assert compliant_ci is not None and compliant_ci.status == "none"
