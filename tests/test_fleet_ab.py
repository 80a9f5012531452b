"""A/B statements 58, 59 and 60 against the fake fleet: serving repos rendered by copier, whose
resources/ab.yml ran tests at known times (commits of the fake's history, written by the same
code as `goldenpath ab`), and the batch repos of the synthetic fleet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

import fleet_support
from fakes.github import FakeGitHub, start_fake_github
from fakes.github.fleet import push_files
from fakes.github.fleet_seed import seed_fleet, seed_repo
from fakes.github.history import stamp
from fakes.github.repos import find_repo
from fakes.github.server import Call
from fleet_support import ORG, SETTINGS, by_name, read_json, results, run_fleet
from goldenpath.ab_config import AB_FILE, READOUT_TASK, Experiment, with_target

template_base = fleet_support.template_base
serving_base = fleet_support.serving_base
AB = ("58", "59", "60")
NOW = datetime.now(UTC)
JOB, MONITORS, SERVING = "resources/pipeline_job.yml", "resources/monitoring.yml", "resources/serving.yml"


def _running(text: str, days_ago: int, challenger: str = "4") -> str:
    """resources/ab.yml running a test in prd, as `goldenpath ab start` writes it."""
    start = (NOW - timedelta(days=days_ago)).date()
    experiment = Experiment(
        challenger=challenger,
        percent=10,
        salt=f"{start:%Y%m%d}-v{challenger}",
        start_date=start,
        key="",
        metric="prediction",
        metric_type="continuous",
        mde=5.0,
        kpi_table="",
        kpi_join="request_id",
    )
    written = with_target(text, "prd", experiment)
    assert written is not None
    return written


def _ended(text: str) -> str:
    written = with_target(text, "prd", None)
    assert written is not None
    return written


# Serving repos: (days ago a test started, days ago it ended, or None while it runs).
TIMELINES: dict[str, tuple[int, int | None]] = {
    "ab-recent": (30, 10),  # started and promoted inside the window
    "ab-running": (120, None),  # started before the window and still running
    "ab-straddling": (120, 60),  # running when the window began, ended inside it
    "ab-old": (150, 100),  # ended before the window
}


def _edited(base: dict[str, str], path: str, edit: Any) -> dict[str, str]:
    data = yaml.safe_load(base[path])
    edit(data["resources"])
    return {**base, path: yaml.safe_dump(data, sort_keys=False)}


def _without_readout(resources: dict[str, Any]) -> None:
    job = resources["jobs"]["monitoring"]
    job["tasks"] = [task for task in job["tasks"] if task["task_key"] != READOUT_TASK]


def _random_split(resources: dict[str, Any]) -> None:
    endpoint = resources["model_serving_endpoints"]["serving"]
    endpoint["config"] = {
        "served_entities": [{"name": "a", "entity_version": "1"}, {"name": "b", "entity_version": "2"}],
        "traffic_config": {
            "routes": [
                {"served_model_name": "a", "traffic_percentage": 90},
                {"served_model_name": "b", "traffic_percentage": 10},
            ]
        },
    }


def _unsalted(resources: dict[str, Any]) -> None:
    for task in resources["jobs"]["pipeline"]["tasks"]:
        parameters = task["python_wheel_task"]["parameters"]
        if "--ab-salt" in parameters:
            index = parameters.index("--ab-salt")
            del parameters[index : index + 2]


# Variant -> (file, edit, the statement it fails, words of the reason).
VARIANTS = {
    "ab-unread": (MONITORS, _without_readout, "59", f"no job has the {READOUT_TASK} task"),
    "ab-random": (SERVING, _random_split, "60", "splits traffic per request at random"),
    "ab-unsalted": (JOB, _unsalted, "60", "no task rolls the endpoint out"),
}


@dataclass
class Scanned:
    fake: FakeGitHub
    report: dict[str, Any]
    second: dict[str, Any]
    second_calls: list[Call]

    def repo(self, name: str) -> dict[str, Any]:
        return by_name(self.report)[name]


def _with_history(
    fake: FakeGitHub, base: dict[str, str], name: str, timeline: tuple[int, int | None]
) -> None:
    repo = find_repo(fake, ORG, name)
    assert repo is not None
    repo["pushed_at"] = stamp(NOW - timedelta(days=400))  # the seeded files: one commit, long ago
    started, ended = timeline
    running = _running(base[AB_FILE], started)
    push_files(
        fake, ORG, name, {AB_FILE: running}, at=NOW - timedelta(days=started), message="A/B test in prd"
    )
    if ended is not None:
        push_files(
            fake, ORG, name, {AB_FILE: _ended(running)}, at=NOW - timedelta(days=ended), message="promote"
        )


@pytest.fixture(scope="module")
def scanned(
    template_base: dict[str, str], serving_base: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scanned]:
    out = tmp_path_factory.mktemp("ab")
    with start_fake_github() as fake, pytest.MonkeyPatch.context() as env:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=12)
        seed_repo(fake, fleet, serving_base, "compliant", "ab-never-0")
        for name, timeline in TIMELINES.items():
            seed_repo(fake, fleet, serving_base, "compliant", f"{name}-0")
            _with_history(fake, serving_base, f"{name}-0", timeline)
        for name, (path, edit, _, _) in VARIANTS.items():
            seed_repo(fake, fleet, _edited(serving_base, path, edit), "compliant", f"{name}-0")
        argv = ["fleet", "--cache", str(out / "cache")]
        first = run_fleet(fake, [*argv, "--json", str(out / "1.json")], env)
        assert first.code == 0, first.stderr
        before = len(fake.calls)
        second = run_fleet(fake, [*argv, "--json", str(out / "2.json")], env)
        assert second.code == 0, second.stderr
        yield Scanned(fake, read_json(out / "1.json"), read_json(out / "2.json"), fake.calls[before:])


def test_a_test_in_the_last_90_days_passes_59_with_where_it_was(scanned: Scanned) -> None:
    recent = scanned.repo("ab-recent-0")["maturity"]["59"]
    assert recent["result"] == "pass" and "ran in prd" in recent["reason"], recent
    commit = recent["evidence"][0]
    assert commit["source"] == "api" and "a test in prd" in commit["detail"]
    assert commit["url"].startswith(f"https://github.invalid/{ORG}/ab-recent-0/commit/")
    assert recent["evidence"][1]["detail"] == f"job monitoring, task {READOUT_TASK}"
    running = scanned.repo("ab-running-0")["maturity"]["59"]
    assert running["result"] == "pass"
    assert running["evidence"][0]["ref"].startswith(f"{AB_FILE}:") and running["evidence"][0]["url"].endswith(
        running["evidence"][0]["ref"].replace(":", "#L")
    )
    straddling = scanned.repo("ab-straddling-0")["maturity"]["59"]
    assert (
        straddling["result"] == "pass"
        and "in effect when the window began" in straddling["evidence"][0]["detail"]
    )


def test_no_test_in_the_window_fails_59(scanned: Scanned) -> None:
    for name in ("ab-old-0", "ab-never-0"):
        verdict = scanned.repo(name)["maturity"]["59"]
        assert verdict["result"] == "fail" and "no A/B test ran in the last 90 days" in verdict["reason"], (
            name
        )
        assert verdict["evidence"][0]["ref"] == AB_FILE


def test_fresh_serving_repos_store_inputs_and_outputs_and_assign_by_key(scanned: Scanned) -> None:
    repo = scanned.repo("ab-never-0")
    assert (results(repo)["58"], results(repo)["60"]) == ("pass", "pass")
    stored = repo["maturity"]["58"]["evidence"]
    assert [e["ref"].split(":")[0] for e in stored] == [SERVING, MONITORS]
    sticky = repo["maturity"]["60"]["evidence"][0]
    assert sticky["ref"].startswith(f"{JOB}:") and "--ab-key ${var.ab_key}" in sticky["detail"]
    assert "--ab-salt ${var.ab_salt}" in sticky["detail"]


def test_batch_repos_store_predictions_and_answer_no_requests_to_test(scanned: Scanned) -> None:
    batch = scanned.repo("compliant-001")
    assert [results(batch)[key] for key in AB] == ["pass", "pass", "pass"]
    assert batch["maturity"]["58"]["evidence"][0]["detail"] == "job pipeline, task score"
    assert "serving kind" in batch["maturity"]["59"]["reason"]
    assert "answers no requests" in batch["maturity"]["60"]["reason"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_piece_removed_fails_its_statement(scanned: Scanned, variant: str) -> None:
    path, _, failing, words = VARIANTS[variant]
    verdict = scanned.repo(f"{variant}-0")["maturity"][failing]
    assert verdict["result"] == "fail" and words in verdict["reason"], verdict
    assert verdict["evidence"][0]["ref"].startswith(f"{path}:"), verdict["evidence"]  # where it was removed


def test_the_history_is_read_once_and_kept_by_push(scanned: Scanned) -> None:
    """A rescan of an unchanged repo lists no commits and reads no file: only revalidations."""
    first = [c for c in scanned.fake.calls[: -len(scanned.second_calls)] if "/commits" in c.path]
    assert {c.path.split("/")[3] for c in first} >= {f"{name}-0" for name in TIMELINES}
    for name in (*TIMELINES, "ab-never"):
        calls = [c for c in scanned.second_calls if f"/{name}-0/" in c.path]
        assert len(calls) <= 4 and {c.status for c in calls} == {304}, [c.path for c in calls]
    assert [r["maturity"] for r in scanned.report["repos"]] == [
        r["maturity"] for r in scanned.second["repos"]
    ]
    assert not {58, 59, 60} & set(scanned.report["manual_statements"]["numbers"])
