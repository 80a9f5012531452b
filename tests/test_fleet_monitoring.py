"""Monitoring statements 40, 41, 42, 43 and 45 against the fake fleet: fresh renders of both kinds
pass with evidence and reach Gold; each piece removed or pointed elsewhere fails, at its line.

Every repo starts from a real copier render (batch, or serving); a variant edits one bundle file
as a team might, and the scan reads it through githubkit like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import fleet_support
from fakes.github import start_fake_github
from fakes.github.fleet_seed import seed_fleet, seed_repo
from fleet_support import ORG, SETTINGS, assert_valid, by_name, read_json, results, run_fleet
from goldenpath.fleet.statements import MANUAL, MANUAL_WHY
from goldenpath.naming import SCORE_TASK, UNPACK_TASK, derive_names
from rendering import EXAMPLE_ANSWERS

template_base = fleet_support.template_base
serving_base = fleet_support.serving_base
MONITORING = ("40", "41", "42", "43", "45")
ANSWERS, UNNAMED = ".copier-answers.yml", "Weekly Demand"  # a repo_name no name is derived from
JOB, MONITORS, SERVING = "resources/pipeline_job.yml", "resources/monitoring.yml", "resources/serving.yml"
Edit = Callable[[dict[str, Any]], None]
BATCH_NAMES = derive_names(
    EXAMPLE_ANSWERS["repo_name"], SETTINGS
)  # the names template_base was rendered with


def _edited(base: dict[str, str], path: str, edit: Edit) -> dict[str, str]:
    data = yaml.safe_load(base[path])
    edit(data["resources"])
    return {**base, path: yaml.safe_dump(data, sort_keys=False)}


def _drop_failure_alerts(resources: dict[str, Any]) -> None:
    job = resources["jobs"]["pipeline"]
    del job["email_notifications"]["on_failure"], job["webhook_notifications"]["on_failure"]


def _drop_score(resources: dict[str, Any]) -> None:
    job = resources["jobs"]["pipeline"]
    job["tasks"] = [task for task in job["tasks"] if task["task_key"] != SCORE_TASK]


def _drop_unpack(resources: dict[str, Any]) -> None:
    job = resources["jobs"]["monitoring"]
    job["tasks"] = [
        {key: value for key, value in task.items() if key != "depends_on"}
        for task in job["tasks"]
        if task["task_key"] != UNPACK_TASK
    ]


def _monitor(change: Callable[[dict[str, Any]], None]) -> Edit:
    return lambda resources: change(next(iter(resources["quality_monitors"].values())))


def _alert(change: Callable[[dict[str, Any]], None]) -> Edit:
    return lambda resources: change(next(iter(resources["alerts"].values())))


# Variant -> (the file it edits, how, the one statement it fails, words of the reason).
BATCH_VARIANTS: dict[str, tuple[str, Edit, str, str]] = {
    "silent-jobs": (JOB, _drop_failure_alerts, "40", "notifies nobody of a failed run"),
    "unwatched-runs": (JOB, lambda r: r["jobs"]["pipeline"].pop("health"), "42", "RUN_DURATION_SECONDS"),
    "no-score": (JOB, _drop_score, "42", f"no job has the {SCORE_TASK} task"),
    "other-table": (
        MONITORS,
        _monitor(lambda m: m.update(table_name="${var.catalog}.${var.schema}.other_predictions")),
        "43",
        f"no monitor watches {BATCH_NAMES.predictions_table}",
    ),
    "other-column": (
        MONITORS,
        _monitor(lambda m: m["inference_log"].update(prediction_col="yhat")),
        "43",
        "prediction_col",
    ),
    "no-baseline": (MONITORS, _monitor(lambda m: m.pop("baseline_table_name")), "43", "baseline"),
    "unscheduled": (MONITORS, _monitor(lambda m: m.pop("schedule")), "43", "no refresh schedule"),
    "silent-alert": (
        MONITORS,
        _alert(lambda a: a["evaluation"]["notification"].update(subscriptions=[])),
        "45",
        "notifies nobody",
    ),
    "blind-alert": (
        MONITORS,
        _alert(lambda a: a.update(query_text="SELECT 0 AS drift")),
        "45",
        "no alert queries the drift metrics",
    ),
}
SERVING_VARIANTS: dict[str, tuple[str, Edit, str, str]] = {
    "serving-unlogged": (
        SERVING,
        lambda r: r["model_serving_endpoints"]["serving"]["ai_gateway"]["inference_table_config"].update(
            enabled=False
        ),
        "41",
        "logs no requests",
    ),
    "serving-packed": (MONITORS, _drop_unpack, "41", f"no job has the {UNPACK_TASK} task"),
}


@dataclass
class Scanned:
    report: dict[str, Any]
    out: Path

    def repo(self, name: str) -> dict[str, Any]:
        return by_name(self.report)[name]


@pytest.fixture(scope="module")
def scanned(
    template_base: dict[str, str],
    serving_base: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> Iterator[Scanned]:
    out = tmp_path_factory.mktemp("monitoring")
    with start_fake_github() as fake:
        fleet = seed_fleet(fake, template_base, org=ORG, central_repo=SETTINGS.central_repo, size=15)
        seed_repo(fake, fleet, serving_base, "compliant", "serving-0")
        for variants, base in ((BATCH_VARIANTS, template_base), (SERVING_VARIANTS, serving_base)):
            for name, (path, edit, _, _) in variants.items():
                seed_repo(fake, fleet, _edited(base, path, edit), "compliant", f"{name}-0")
        answers = yaml.safe_load(template_base[ANSWERS]) | {"repo_name": UNNAMED}
        seed_repo(fake, fleet, {**template_base, ANSWERS: yaml.safe_dump(answers)}, "compliant", "unnamed-0")
        argv = ["fleet", "--json", str(out / "fleet.json"), "--html", str(out / "fleet.html")]
        run = run_fleet(fake, [*argv, "--markdown", str(out / "fleet.md")], monkeypatch_module)
        assert run.code == 0, run.stderr
        yield Scanned(read_json(out / "fleet.json"), out)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _line_ref(evidence: dict[str, Any], path: str) -> bool:
    """Evidence at a line of `path`, linked to that line."""
    ref, url = evidence["ref"], evidence["url"] or ""
    return (
        ref.startswith(f"{path}:")
        and ref.split(":")[1].isdigit()
        and url.endswith(f"{path}#L{ref.split(':')[1]}")
    )


def test_fresh_renders_of_both_kinds_pass_with_evidence(
    scanned: Scanned, serving_base: dict[str, str]
) -> None:
    batch, serving = scanned.repo("compliant-001"), scanned.repo("serving-0")
    for repo in (batch, serving):
        assert {key: results(repo)[key] for key in MONITORING} == dict.fromkeys(MONITORING, "pass"), repo[
            "name"
        ]
        for key in ("40", "42", "43", "45"):
            assert all(_line_ref(e, e["ref"].split(":")[0]) for e in repo["maturity"][key]["evidence"]), key
    kind = batch["maturity"]["41"]
    assert "batch repo" in kind["reason"]
    assert kind["evidence"][0]["detail"] == "project_kind: batch" and _line_ref(kind["evidence"][0], ANSWERS)
    logged = serving["maturity"]["41"]["evidence"]
    assert _line_ref(logged[0], SERVING) and "inference table" in logged[0]["detail"]
    assert _line_ref(logged[1], MONITORS) and logged[1]["detail"] == f"job monitoring, task {UNPACK_TASK}"
    delivered = batch["maturity"]["42"]["evidence"][0]
    assert _line_ref(delivered, JOB) and delivered["detail"] == f"job pipeline, task {SCORE_TASK}"
    serving_names = derive_names(yaml.safe_load(serving_base[ANSWERS])["repo_name"], SETTINGS)
    monitored = serving["maturity"]["43"]["evidence"]
    assert monitored[0]["detail"] == f"monitors {serving_names.inference_table}"
    assert monitored[2]["detail"] == f"baseline {serving_names.baseline_table}"
    assert batch["maturity"]["43"]["evidence"][0]["detail"] == f"monitors {BATCH_NAMES.predictions_table}"
    alerted = batch["maturity"]["45"]["evidence"]
    assert alerted[0]["detail"] == f"queries {BATCH_NAMES.drift_metrics_table(serving=False)}"
    assert "@" in alerted[1]["detail"]  # the team's email among the subscriptions


def test_gold_is_reached_by_a_monitored_repo(scanned: Scanned) -> None:
    gold = scanned.report["levels"]["definitions"][2]
    assert gold == {"name": "Gold", "statements": ["39", *MONITORING], "not_checked": []}
    for name in ("compliant-001", "serving-0"):
        assert scanned.repo(name)["level"] == {"name": "Gold", "next": None, "lacks": []}
    unmonitored = scanned.repo("unmonitored-001")["level"]
    assert (unmonitored["name"], unmonitored["next"]) == ("Silver", "Gold")
    assert [(lack["id"], lack["result"]) for lack in unmonitored["lacks"]] == [("43", "fail"), ("45", "fail")]
    assert scanned.report["levels"]["counts"]["Gold"] >= 2


@pytest.mark.parametrize("variant", [*BATCH_VARIANTS, *SERVING_VARIANTS])
def test_each_piece_removed_or_pointed_elsewhere_fails_at_its_line(scanned: Scanned, variant: str) -> None:
    path, _, failing, words = {**BATCH_VARIANTS, **SERVING_VARIANTS}[variant]
    repo = scanned.repo(f"{variant}-0")
    verdict = repo["maturity"][failing]
    assert verdict["result"] == "fail" and words in verdict["reason"], verdict
    assert any(_line_ref(e, path) for e in verdict["evidence"]), verdict["evidence"]
    assert {key: results(repo)[key] for key in MONITORING if key != failing} == {
        key: "pass" for key in MONITORING if key != failing
    }


def test_tables_are_unknown_when_the_repo_name_derives_no_names(scanned: Scanned) -> None:
    repo = scanned.repo("unnamed-0")
    for key in ("43", "45"):
        verdict = repo["maturity"][key]
        assert verdict["result"] == "unknown" and repr(UNNAMED) in verdict["reason"]
    assert [results(repo)[key] for key in ("40", "41", "42")] == ["pass"] * 3


def test_the_statements_left_to_people_say_why(scanned: Scanned) -> None:
    assert_valid(scanned.out / "fleet.json")
    manual = scanned.report["manual_statements"]
    assert {44, 46} <= set(manual["numbers"]) and not set(manual["numbers"]) & {40, 41, 42, 43, 45}
    assert manual["why"] == {str(number): why for number, why in MANUAL_WHY.items()}
    assert set(MANUAL_WHY) <= set(MANUAL)
    page = (scanned.out / "fleet.html").read_text(encoding="utf-8")
    for key in MONITORING:
        assert re.search(rf'<th [^>]*class="st" title="[^"]+">{key}</th>', page), key  # a heat map column
    assert '<dl id="manual-why"><dt>44 (people)</dt>' in page and "<dt>46 (people)</dt>" in page
    markdown = (scanned.out / "fleet.md").read_text(encoding="utf-8")
    assert "- 44 needs people: a KPI feedback loop" in markdown and "- 46 needs people:" in markdown
