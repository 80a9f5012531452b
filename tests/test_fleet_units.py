"""The fleet's pure parts, without a server: drift, discovery, workflow refs, single statements,
owners, levels and campaign goals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from goldenpath.fleet.campaigns import lacks
from goldenpath.fleet.config import Goal, parse_fleet_config
from goldenpath.fleet.discovery import names_central
from goldenpath.fleet.facts import RepoFacts
from goldenpath.fleet.file_history import read_history
from goldenpath.fleet.levels import definitions, level_of
from goldenpath.fleet.owners import owner_of
from goldenpath.fleet.protection import Approvals
from goldenpath.fleet.release_line import ReleaseLine, central_releases
from goldenpath.fleet.statements import STATEMENTS, Subject, assess
from goldenpath.fleet.versions import template_drift
from goldenpath.fleet.workflows import central_calls, ref_kind, usage
from goldenpath.settings import load_settings
from rendering import REPO_ROOT

CENTRAL = "acme-retail/goldenpath"
SETTINGS = load_settings(REPO_ROOT / "goldenpath.yml")
RELEASES = central_releases(
    [
        "v1",
        "v1.2.0",
        "v1.0.0",
        "v1.1.0",
        "v0.9.0",
        "v1.2.0-rc1",
        "v1.3.0-rc.1",
        "v1.0.0-3-gabc1234",
        "nightly",
    ]
)


def test_central_releases_are_the_exact_tags_newest_first() -> None:
    assert RELEASES == ["v1.2.0", "v1.1.0", "v1.0.0", "v0.9.0"]


@pytest.mark.parametrize(
    ("commit", "status", "version", "behind"),
    [
        ("v1.2.0", "current", "v1.2.0", 0),
        ("v1.0.0", "behind", "v1.0.0", 2),
        ("v1.0.0-3-gabc1234", "behind", "v1.0.0", 2),  # copier's describe past a tag
        ("v0.9.0", "unsupported-major", "v0.9.0", None),
        ("v1.3.0-rc.1", "unknown", None, None),  # a pre-release is no release a repo can be on
        ("0123456789abcdef0123456789abcdef01234567", "unknown", None, None),
        (None, "unknown", None, None),
    ],
)
def test_template_drift(commit: str | None, status: str, version: str | None, behind: int | None) -> None:
    drift = template_drift(commit, ReleaseLine("v1", tuple(RELEASES)))
    assert (drift.status, drift.version, drift.behind) == (status, version, behind)
    assert drift.reason


@pytest.mark.parametrize(
    ("source", "ours"),
    [
        ("gh:acme-retail/goldenpath", True),
        ("https://github.com/acme-retail/goldenpath.git", True),
        ("git@github.com:Acme-Retail/GoldenPath.git", True),
        ("https://github.com/acme-retail/goldenpath-fork.git", False),
        ("https://github.com/other/goldenpath", False),
        ("/home/me/goldenpath", False),
    ],
)
def test_discovery_by_answers_source(source: str, ours: bool) -> None:
    assert names_central({"_src_path": source}, CENTRAL) is ours


def test_ref_kinds_and_usage() -> None:
    assert [ref_kind(r) for r in ("v1", "v1.2.0", "0" * 40, "main")] == [
        "following",
        "pinned",
        "sha",
        "other",
    ]
    text = (
        "on: [pull_request]\njobs:\n  test:\n"
        f"    uses: {CENTRAL}/.github/workflows/reusable-test.yml@v1\n"
        "  lint:\n    uses: someone/else/.github/workflows/x.yml@v2\n"
    )
    calls = central_calls(".github/workflows/ci.yml", text, CENTRAL, "https://x/blob/main")
    assert [(c.use.workflow, c.use.line, c.triggers) for c in calls] == [
        ("reusable-test.yml", 4, frozenset({"pull_request"}))
    ]
    assert calls[0].use.url == "https://x/blob/main/.github/workflows/ci.yml#L4"
    assert usage(calls).missing == ("reusable-build.yml", "reusable-deploy.yml or reusable-deploy-oidc.yml")


def _subject(files: dict[str, str]) -> Subject:
    facts = RepoFacts(
        "o/r", "https://x/o/r", "main", dict.fromkeys(files, "sha"), files, True, Approvals(1), ()
    )
    calls = [
        call
        for path, text in files.items()
        if path.startswith(".github/workflows/")
        for call in central_calls(path, text, CENTRAL, facts.blob_url())
    ]
    return Subject.of(facts, calls, SETTINGS)


def test_a_coverage_threshold_of_zero_is_no_gate() -> None:
    ci = (
        "on:\n  pull_request:\njobs:\n  test:\n"
        f"    uses: {CENTRAL}/.github/workflows/reusable-test.yml@v1\n"
        "    with:\n      coverage-threshold: 0\n"
    )
    verdicts = assess(_subject({".github/workflows/ci.yml": ci, "tests/test_x.py": ""}))
    assert verdicts["29/33"].result == "pass"
    assert verdicts["32"].result == "fail"
    assert "coverage-threshold above 0" in verdicts["32"].reason


def test_an_invalid_bundle_says_so() -> None:
    verdicts = assess(_subject({"databricks.yml": "targets: [unclosed\n"}))
    for key in ("13", "14/21", "22/25", "39"):
        assert verdicts[key].result == "fail"
        assert "databricks.yml is not valid YAML" in verdicts[key].reason


def test_zero_required_approvals_fail_and_unreadable_protection_is_unknown() -> None:
    subject = _subject({".github/CODEOWNERS": "* @o/team\n"})
    subject.facts.approvals = Approvals(0)
    assert assess(subject)["11/18/30/34"].reason == "pull requests need 0 approvals on main"
    subject.facts.approvals = Approvals(
        None, unreadable="branch protection of main is not readable (HTTP 403)"
    )
    assert assess(subject)["11/18/30/34"].result == "unknown"


def _facts(files: dict[str, str]) -> RepoFacts:
    return RepoFacts("o/r", "https://x/o/r", "main", dict.fromkeys(files, "sha"), files)


@pytest.mark.parametrize(
    ("files", "answers", "owner"),
    [
        (
            {".github/CODEOWNERS": "* @o/ds-rtl\n"},
            {"team": "ds-ecm"},
            ("ds-rtl", "team", ".github/CODEOWNERS:1"),
        ),
        (  # the last catch-all rule wins, as on GitHub; comments and other patterns do not count
            {"CODEOWNERS": "# owners\n* @o/a @o/b\n/docs/ @o/docs\n*  @someone # handed over\n"},
            {},
            ("@someone", "user", "CODEOWNERS:4"),
        ),
        ({"docs/CODEOWNERS": "* ml@example.com\n"}, {}, ("ml@example.com", "email", "docs/CODEOWNERS:1")),
        (
            {".github/CODEOWNERS": "/src/ @o/a\n"},
            {"team": "ds-sup"},
            ("ds-sup", "team", ".copier-answers.yml"),
        ),
        ({}, {}, None),
    ],
)
def test_owner_of(files: dict[str, str], answers: dict[str, str], owner: tuple[str, str, str] | None) -> None:
    found = owner_of(_facts(files), answers)
    assert (None if found is None else (found.name, found.kind, found.source)) == owner


def test_levels_need_every_statement_below_and_never_grant_an_unchecked_one() -> None:
    levels = definitions(parse_fleet_config(None).levels)
    passing = dict.fromkeys((s.info.id for s in STATEMENTS), "pass")
    assert level_of(passing, levels).name == "Gold"  # every default statement is checked
    outliers = definitions(
        parse_fleet_config({"levels": [{"name": "Reviewed", "statements": [10, 46]}]}).levels
    )
    reviewed = level_of(passing, outliers)  # 46 (outliers reviewed) needs people: never granted
    assert (reviewed.name, [(lack.id, lack.result) for lack in reviewed.lacks]) == (
        "none",
        [("46", "not-checked")],
    )
    silver_only = passing | {"10/16/17": "unknown"}  # a Bronze statement unknown: no level at all
    found = level_of(silver_only, levels)
    assert (found.name, found.next, [lack.id for lack in found.lacks]) == ("none", "Bronze", ["10/16/17"])
    assert found.lacks[0].result == "unknown"


def test_campaign_goals() -> None:
    goal = Goal((20, 44), "v1.2.0")
    assert lacks(goal, {"20": "pass"}, "v1.2.0") == ("44 (not checked by the scan)",)
    assert lacks(Goal((43,)), {"43": "unknown"}, None) == ("43 offline metrics monitored (unknown)",)
    assert lacks(Goal((20,)), {"20": "fail"}, None) == ("20 environment as code (fail)",)
    assert lacks(Goal(template_at_least="v1.2.0"), {}, "v1.1.0-3-gabc1234") == (
        "template at least v1.2.0 (on v1.1.0)",
    )
    assert lacks(Goal(template_at_least="v1.2.0"), {}, "v2.0.0") == ()
    assert lacks(Goal(template_at_least="v1.2.0"), {}, None) == (
        "template at least v1.2.0 (version unknown)",
    )


def test_release_line() -> None:
    line = ReleaseLine.of("v1", ["v2", "v1", "v2.0.0", "v1.2.0", "v1.1.0", "v2.1.0-rc.1", "v0.9.0"])
    assert (line.newest, line.newest_overall, line.newer_major) == ("v1.2.0", "v2.0.0", "v2.0.0")
    assert [line.status_of(v) for v in ("v1.2.0", "v1.1.0", "v0.9.0", "v2.0.0")] == [
        "current",
        "behind",
        "unsupported-major",
        "unsupported-major",
    ]
    assert ReleaseLine.of("v2", ["v1.2.0", "v2.0.0"]).newer_major is None


def test_a_file_history_gives_the_versions_in_effect_over_a_window() -> None:
    def commit(sha: str, day: int, parent: str) -> dict[str, object]:
        when = f"2026-06-{day:02d}T12:00:00Z"
        return {"sha": sha, "commit": {"committer": {"date": when}}, "parents": [{"sha": parent}]}

    listed = [commit("c3", 20, "c2"), commit("c2", 10, "c1"), commit("c1", 5, "c0")]  # newest first
    texts = {"c2": "v2", "c1": "v1", "c0": "v0"}
    read: list[str] = []

    def text_at(sha: str) -> str | None:
        read.append(sha)
        return texts.get(sha)

    history = read_history(listed, "v3", text_at, path="f", limit=10)
    assert read == ["c2", "c1", "c0"]  # the newest is the file as it is; the parent of the oldest too
    assert [v.text for v in history.versions] == ["v3", "v2", "v1", "v0"] and history.complete
    since = datetime(2026, 6, 8, tzinfo=UTC)  # after c1: in effect then was v1
    assert [v.text for v in history.in_effect_since(since)] == ["v3", "v2", "v1"]
    assert [v.text for v in history.in_effect_since(datetime(2026, 7, 1, tzinfo=UTC))] == ["v3"]
    unchanged = read_history([], "now", text_at, path="f", limit=10)
    assert [v.text for v in unchanged.in_effect_since(since)] == ["now"]
    cut = read_history(listed, "v3", text_at, path="f", limit=2)  # more changes than read: no parent known
    assert not cut.complete and [v.text for v in cut.versions] == ["v3", "v2"]
