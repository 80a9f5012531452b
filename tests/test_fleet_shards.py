"""Sharding: `--shard I/N` scans a stable partition, `fleet merge` builds the report one scan would,
and `fleet plan` says how many shards the org needs (the fleet-report workflow's matrix).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import fleet_support
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet_seed import Fleet, seed_fleet
from fleet_support import ORG, SETTINGS, assert_valid, campaigns, read_json, run_fleet, settings_with_fleet
from goldenpath.fleet.shards import Shard, plan

template_base = fleet_support.template_base


@dataclass
class Sharded:
    fake: FakeGitHub
    fleet: Fleet
    out: Path
    settings: Path


@pytest.fixture(scope="module")
def sharded(template_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sharded]:
    """One whole scan and two shard scans of the same fleet, with campaigns in the settings."""
    out = tmp_path_factory.mktemp("sharded")
    settings = settings_with_fleet(out, {"campaigns": campaigns(datetime.now(UTC).date()), "shard_size": 25})
    with start_fake_github() as fake, pytest.MonkeyPatch.context() as env:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=60)
        common = ["--settings", str(settings)]
        outputs = ["--markdown", "{}.md", "--json", "{}.json", "--html", "{}.html"]
        for name, shard in (("whole", []), ("shard-1", ["--shard", "1/2"]), ("shard-2", ["--shard", "2/2"])):
            argv = ["fleet", *common, *shard, *(arg.format(out / name) for arg in outputs)]
            run = run_fleet(fake, argv, env, summary=out / f"{name}-summary.md")
            assert run.code == 0, run.stderr
        yield Sharded(fake, fleet, out, settings)


def test_the_partition_is_stable_and_covers_every_repo_once() -> None:
    names = [f"{ORG}/repo-{number:04d}" for number in range(2000)]
    shards = [Shard(index, 4) for index in range(1, 5)]
    owners = [[shard.spec for shard in shards if shard.holds(name)] for name in names]
    assert all(len(found) == 1 for found in owners)
    sizes = [sum(found == [shard.spec] for found in owners) for shard in shards]
    assert min(sizes) > 400  # roughly even: 500 each
    assert all(
        Shard(1, 4).holds(name) == Shard(1, 4).holds(name.upper()) for name in names[:50]
    )  # case-blind


def test_shards_scan_their_part_and_merge_into_the_whole(
    sharded: Sharded, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = sharded.out
    one, two = read_json(out / "shard-1.json"), read_json(out / "shard-2.json")
    whole = read_json(out / "whole.json")
    assert one["scan"]["shards"] == ["1/2"] and two["scan"]["shards"] == ["2/2"]
    names = [repo["full_name"] for repo in (*one["repos"], *two["repos"])]
    assert sorted(names) == sorted(repo["full_name"] for repo in whole["repos"]) and len(set(names)) == len(
        names
    )
    argv = [
        "fleet",
        "merge",
        str(out / "shard-2.json"),
        str(out / "shard-1.json"),
        "--settings",
        str(sharded.settings),
    ]
    argv += [
        "--json",
        str(out / "merged.json"),
        "--html",
        str(out / "merged.html"),
        "--markdown",
        str(out / "merged.md"),
    ]
    merged_run = run_fleet(sharded.fake, argv, monkeypatch)
    assert merged_run.code == 0, merged_run.stderr
    assert_valid(out / "shard-1.json", out / "shard-2.json", out / "merged.json", out / "whole.json")
    merged = read_json(out / "merged.json")
    assert merged["scan"]["shards"] == ["1/2", "2/2"] and merged["scan"]["complete"] is True
    assert merged["scan"]["calls"] == one["scan"]["calls"] + two["scan"]["calls"]
    assert _same_scan(out / "merged.json", merged, whole) == _without_scan(whole)
    for suffix in ("md", "html"):
        assert _normalised(out / f"merged.{suffix}", merged, whole) == _normalised(
            out / f"whole.{suffix}", whole, whole
        )
    assert merged["campaigns"][0]["passing"] == whole["campaigns"][0]["passing"]


def test_a_shard_leaves_the_job_summary_to_the_merge(sharded: Sharded) -> None:
    shard = (sharded.out / "shard-1-summary.md").read_text(encoding="utf-8")
    repos = len(read_json(sharded.out / "shard-1.json")["repos"])
    assert shard.startswith(f"Fleet scan, shard 1/2: {repos} repos. ") and shard.count("\n") == 1
    assert (sharded.out / "whole-summary.md").read_text(encoding="utf-8").startswith("# Fleet report: ")


def test_a_missing_shard_makes_a_partial_report(sharded: Sharded, monkeypatch: pytest.MonkeyPatch) -> None:
    target = sharded.out / "half.json"
    run = run_fleet(
        sharded.fake,
        ["fleet", "merge", str(sharded.out / "shard-1.json"), "--json", str(target)],
        monkeypatch,
    )
    assert run.code == 3
    assert "shard(s) 2/2 missing" in run.stderr
    report = read_json(target)
    assert report["scan"]["missing_shards"] == ["2/2"] and report["scan"]["complete"] is False
    assert_valid(target)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["shard-1", "shard-1"], "do not partition one scan"),
        (["shard-1", "whole"], "do not partition one scan"),
        (["missing"], "not a readable JSON file"),
    ],
)
def test_merge_refuses_what_is_not_one_scans_shards(
    sharded: Sharded, files: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_fleet(
        sharded.fake, ["fleet", "merge", *(str(sharded.out / f"{f}.json") for f in files)], monkeypatch
    )
    assert run.code == 2 and message in run.stderr


def test_plan_sizes_the_matrix(sharded: Sharded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    run = run_fleet(sharded.fake, ["fleet", "plan", "--settings", str(sharded.settings)], monkeypatch)
    assert run.code == 0, run.stderr
    repos = len(
        [name for names in sharded.fleet.kinds.values() for name in names]
    )  # the central repo is not counted
    assert json.loads(run.stdout) == {"repos": repos, "shard_size": 25, "shards": ["1/3", "2/3", "3/3"]}
    assert output.read_text(encoding="utf-8") == 'shards=["1/3", "2/3", "3/3"]\n'
    assert plan(1000, 1000) == ["1/1"] and plan(1001, 1000) == ["1/2", "2/2"] and plan(0, 10) == ["1/1"]


@pytest.mark.parametrize("spec", ["0/2", "3/2", "1/0", "a/b", "1/257"])
def test_a_bad_shard_is_a_usage_error(
    spec: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from goldenpath.cli import main

    monkeypatch.setenv("GITHUB_TOKEN", "x")
    assert main(["fleet", "--shard", spec]) == 2
    assert "is not a shard of the fleet — give I/N with 1 <= I <= N <= 256" in capsys.readouterr().err


def _without_scan(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in ("scan", "generated_at")}


def _same_scan(path: Path, report: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """The report with the reference's time stamp, which is all a merge may differ in besides `scan`."""
    text = path.read_text(encoding="utf-8").replace(report["generated_at"], reference["generated_at"])
    return _without_scan(json.loads(text))


def _normalised(path: Path, report: dict[str, Any], reference: dict[str, Any]) -> str:
    text = path.read_text(encoding="utf-8").replace(report["generated_at"], reference["generated_at"])
    text = re.sub(r"\*\*Scan:\*\*[^\n]*", "", text)
    return re.sub(r'<p class="meta" id="scan-cost">[^\n]*?</p>', "", text)
