"""`goldenpath ab` in a rendered serving repo against the fake workspace, through databricks-sdk.

Versions, aliases and tags live in the fake's Unity Catalog; the readout and
the unpacked requests are rows of its tables, which its SQL warehouse queries.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from databricks_env import SETTINGS, healthy_workspace, run
from fakes.databricks import FakeWorkspaceServer
from goldenpath import ab_config
from goldenpath.ab_config import read_ab_file
from goldenpath.databricks.bundle import BundleTarget, load_bundle
from goldenpath.naming import MONITOR_COLUMNS, derive_names
from rendering import EXAMPLE_ANSWERS, copier_copy

NAMES = derive_names(str(EXAMPLE_ANSWERS["repo_name"]), SETTINGS)
PASSED = {
    ab_config.GATE_PASSED_TAG: "true",
    ab_config.GATE_METRIC_TAG: "r2",
    ab_config.GATE_VALUE_TAG: "0.41",
}
FAILED = {**PASSED, ab_config.GATE_PASSED_TAG: "false", ab_config.GATE_VALUE_TAG: "0.12"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ab-cli") / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(path, {**EXAMPLE_ANSWERS, "project_kind": "serving"})
    return path


@pytest.fixture
def repo(rendered: Path, tmp_path: Path) -> Path:
    """A fresh copy per test: the commands write resources/ab.yml."""
    return Path(shutil.copytree(rendered, tmp_path / rendered.name))


@pytest.fixture
def prd(repo: Path) -> BundleTarget:
    return load_bundle(repo, "prd")


def seed_model(workspace: Any, model: str) -> None:
    """Version 1 the champion, 2 and 4 passed the gate, 3 failed it; `candidate` names 4."""
    for tags in (PASSED, PASSED, FAILED, PASSED):
        version = workspace.add_model_version(model, "run")
        workspace.version_tags(model, version).update(tags)
    workspace.set_alias(model, "champion", 1)
    workspace.set_alias(model, "candidate", 4)


@pytest.fixture
def server(
    monkeypatch: pytest.MonkeyPatch, prd: BundleTarget, tmp_path: Path
) -> Iterator[FakeWorkspaceServer]:
    with healthy_workspace(prd, monkeypatch, tmp_path) as fake:
        seed_model(fake.workspace, prd.model_full_name)
        fake.workspace.add_endpoint(
            NAMES.endpoint_name, {"entity_name": prd.model_full_name, "entity_version": 1}
        )
        yield fake


def ab(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run(repo, capsys, "ab", *args)


def aliases(server: FakeWorkspaceServer, prd: BundleTarget) -> dict[str, int]:
    return dict(server.workspace.aliases[prd.model_full_name])


def test_start_sets_the_alias_and_writes_the_test_and_a_rerun_changes_nothing(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [(s["name"], s["result"]) for s in result["steps"]] == [
        ("alias challenger", "created"),
        ("resources/ab.yml prd", "updated"),
    ]
    assert aliases(server, prd)["challenger"] == 2
    test = read_ab_file(repo).experiment("prd")
    assert test is not None and (test.challenger, test.percent, test.start_date) == ("2", 10, date.today())
    assert test.salt == f"{date.today():%Y%m%d}-v2"
    assert read_ab_file(repo).experiment("acc") is None
    assert "commit it and open a pull request" in result["next"]

    code, out, _ = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10", "--json")
    assert code == 0
    assert {s["result"] for s in json.loads(out)["steps"]} == {"unchanged"}
    assert read_ab_file(repo).experiment("prd") == test


def test_raising_the_share_keeps_the_salt_and_lowering_it_is_refused(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ab(repo, capsys, "start", "--challenger", "candidate", "--percent", "10")[0] == 0
    first = read_ab_file(repo).experiment("prd")
    assert first is not None and first.challenger == "4"
    assert ab(repo, capsys, "start", "--challenger", "4", "--percent", "20")[0] == 0
    raised = read_ab_file(repo).experiment("prd")
    assert raised is not None and (raised.percent, raised.salt) == (20, first.salt)
    code, _, err = ab(repo, capsys, "start", "--challenger", "4", "--percent", "5")
    assert code == 1
    assert "would move customers back to the champion" in err and "abort" in err
    code, _, err = ab(repo, capsys, "start", "--challenger", "4", "--percent", "20", "--key", "store_id")
    assert code == 1 and "assigns by 'customer_id'" in err
    code, _, err = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10")
    assert code == 1 and "A/B test of version 4 runs in prd" in err and "ab promote" in err
    assert read_ab_file(repo).experiment("prd") == raised


@pytest.mark.parametrize(
    ("args", "exit_code", "said"),
    [
        (("--challenger", "9", "--percent", "10"), 1, "version 9 does not exist in prd_rtl."),
        (("--challenger", "3", "--percent", "10"), 1, "version 3 failed the champion gate"),
        (("--challenger", "1", "--percent", "10"), 1, "version 1 is the champion"),
        (("--challenger", "nightly", "--percent", "10"), 1, "has no alias 'nightly'"),
        (("--challenger", "2", "--percent", "51"), 2, "--percent 51 is outside 1-50"),
        (("--challenger", "2", "--percent", "0"), 2, "--percent 0 is outside 1-50"),
    ],
)
def test_start_refuses_saying_why_and_changes_nothing(
    repo: Path,
    prd: BundleTarget,
    server: FakeWorkspaceServer,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    exit_code: int,
    said: str,
) -> None:
    before = (repo / ab_config.AB_FILE).read_text(encoding="utf-8")
    code, _, err = ab(repo, capsys, "start", *args)
    assert code == exit_code
    assert said in err and " — " in err  # what was wrong, then what to do
    assert "challenger" not in aliases(server, prd)
    assert (repo / ab_config.AB_FILE).read_text(encoding="utf-8") == before


def test_a_version_without_a_gate_result_and_a_model_without_a_champion_are_refused(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.workspace.version_tags(prd.model_full_name, 2).clear()
    code, _, err = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10")
    assert code == 1 and "carries no gate result" in err
    del server.workspace.aliases[prd.model_full_name]["champion"]
    code, _, err = ab(repo, capsys, "start", "--challenger", "4", "--percent", "10")
    assert code == 1 and "has no champion yet" in err


def test_the_dry_run_says_what_would_change_and_changes_nothing(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (repo / ab_config.AB_FILE).read_text(encoding="utf-8")
    code, out, _ = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10", "--dry-run", "--json")
    assert code == 0
    assert [s["result"] for s in json.loads(out)["steps"]] == ["would create", "would update"]
    assert "challenger" not in aliases(server, prd)
    assert (repo / ab_config.AB_FILE).read_text(encoding="utf-8") == before


def readout_rows(salt: str, can_conclude: bool, verdict: str, effect: float | None) -> list[dict[str, Any]]:
    """The ab_readout task's rows of one readout: one per variant."""
    concluded = {
        "test": "welch_t",
        "effect": effect,
        "effect_ci_low": 0.2,
        "effect_ci_high": 0.6,
        "p_value": 0.001,
    }
    shared = {
        "experiment": salt,
        "readout_at": "2026-05-20 06:00:00",
        "start_date": "2026-05-04",
        "metric": "prediction",
        "metric_type": "continuous",
        "mde": 5.0,
        "alpha": 0.05,
        "power": 0.8,
        "can_conclude": can_conclude,
        "verdict": verdict,
        **(concluded if can_conclude else dict.fromkeys(concluded)),
    }
    return [
        {
            **shared,
            "variant": "champion",
            "model_version": "1",
            "n": 9000,
            "mean": 10.0,
            "ci_low": 9.9,
            "ci_high": 10.1,
            "required_n": 8000,
        },
        {
            **shared,
            "variant": "challenger",
            "model_version": "2",
            "n": 1000,
            "mean": 10.4,
            "ci_low": 10.2,
            "ci_high": 10.6,
            "required_n": 900,
        },
    ]


def seed_readout(server: FakeWorkspaceServer, prd: BundleTarget, rows: list[dict[str, Any]]) -> None:
    table = f"{prd.catalog}.{prd.schema}.{NAMES.readout_table}"
    if not server.workspace.tables.exists(table):
        server.workspace.tables.create(table, dict(ab_config.READOUT_COLUMNS))
    server.workspace.tables.insert(table, rows)


def seed_traffic(server: FakeWorkspaceServer, prd: BundleTarget, counts: dict[str, int]) -> None:
    table = f"{prd.catalog}.{prd.schema}.{NAMES.inference_table}"
    columns = {
        "customer_id": "STRING",
        MONITOR_COLUMNS.variant: "STRING",
        MONITOR_COLUMNS.timestamp: "TIMESTAMP",
    }
    rows = [
        {
            "customer_id": f"c{n}",
            MONITOR_COLUMNS.variant: variant,
            MONITOR_COLUMNS.timestamp: "2026-05-05 10:00:00",
        }
        for variant, count in counts.items()
        for n in range(count)
    ]
    rows.append(
        {
            "customer_id": "old",
            MONITOR_COLUMNS.variant: "champion",
            MONITOR_COLUMNS.timestamp: "2026-04-01 10:00:00",
        }
    )
    server.workspace.tables.create(table, columns, rows)


def started(repo: Path, capsys: pytest.CaptureFixture[str]) -> ab_config.Experiment:
    assert ab(repo, capsys, "start", "--challenger", "2", "--percent", "10")[0] == 0
    test = read_ab_file(repo).experiment("prd")
    assert test is not None
    # The test as if it started on the day the seeded requests and readouts count from.
    test = ab_config.Experiment(**{**test.__dict__, "start_date": date(2026, 5, 4)})
    ab_config.write_target(repo, "prd", test)
    return test


def test_status_waits_for_a_readout_that_can_conclude(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = ab(repo, capsys, "status")
    assert code == 1 and "prd: no test runs" in out
    test = started(repo, capsys)

    code, out, _ = ab(repo, capsys, "status", "--json")
    assert code == 1
    status = json.loads(out)
    assert status["readout"] is None and status["can_conclude"] is False
    assert status["verdict"] == ab_config.NOT_ENOUGH_DATA
    assert status["endpoint"] == {"name": NAMES.endpoint_name, "serving": None, "applied": False}

    seed_traffic(server, prd, {"champion": 90, "challenger": 10, "unassigned": 2})
    seed_readout(server, prd, readout_rows(test.salt, False, ab_config.NOT_ENOUGH_DATA, None))
    code, out, _ = ab(repo, capsys, "status")
    assert code == 1
    assert "traffic: champion 90, challenger 10, unassigned 2" in out
    assert "challenger (version 2): n 1000 of 900 needed" in out
    assert "cannot conclude yet" in out

    split = {
        "AB_CHAMPION_VERSION": "1",
        "AB_CHALLENGER_VERSION": "2",
        "AB_CHALLENGER_PERCENT": "10",
        "AB_SALT": test.salt,
        "AB_KEY": "customer_id",
    }
    server.workspace.serve(
        NAMES.endpoint_name,
        [{"entity_name": prd.model_full_name, "entity_version": 5, "environment_vars": split}],
    )
    seed_readout(
        server,
        prd,
        [
            {**row, "readout_at": "2026-05-21 06:00:00"}
            for row in readout_rows(test.salt, True, ab_config.CHALLENGER_HIGHER, 0.4)
        ],
    )
    code, out, _ = ab(repo, capsys, "status", "--json")
    assert code == 0
    status = json.loads(out)
    assert status["can_conclude"] is True and status["verdict"] == ab_config.CHALLENGER_HIGHER
    assert status["endpoint"]["applied"] is True
    assert status["readout"]["readout_at"].startswith("2026-05-21")
    assert status["readout"]["p_value"] == 0.001
    assert status["traffic"] == {"champion": 90, "challenger": 10, "unassigned": 2}
    assert status["aliases"] == {"champion": "1", "challenger": "2"}


def test_promote_needs_a_conclusive_readout_then_moves_champion_and_records_it(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    test = started(repo, capsys)
    code, _, err = ab(repo, capsys, "promote")
    assert code == 1 and "cannot conclude yet (no readout yet)" in err
    assert aliases(server, prd)["champion"] == 1

    seed_readout(server, prd, readout_rows(test.salt, True, ab_config.CHALLENGER_HIGHER, 0.4))
    code, out, err = ab(repo, capsys, "promote", "--json")
    assert code == 0, err
    assert [s["result"] for s in json.loads(out)["steps"]] == ["updated", "updated", "deleted", "updated"]
    assert aliases(server, prd) == {"champion": 2, "candidate": 4}
    tags = server.workspace.version_tags(prd.model_full_name, 2)
    assert tags[ab_config.OUTCOME_TAG] == ab_config.PROMOTED
    assert tags[ab_config.EXPERIMENT_TAG] == test.salt
    recorded = json.loads(tags[ab_config.READOUT_TAG])
    assert recorded["verdict"] == ab_config.CHALLENGER_HIGHER and recorded["arms"]["challenger"]["n"] == 1000
    assert read_ab_file(repo).experiment("prd") is None

    code, out, _ = ab(repo, capsys, "promote", "--json")
    assert code == 0
    assert {s["result"] for s in json.loads(out)["steps"]} == {"unchanged"}


def test_a_worse_challenger_is_not_promoted(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    test = started(repo, capsys)
    seed_readout(server, prd, readout_rows(test.salt, True, ab_config.CHALLENGER_LOWER, -0.4))
    code, _, err = ab(repo, capsys, "promote")
    assert code == 1 and "did worse on prediction" in err and "goldenpath ab abort" in err


def test_abort_ends_the_test_and_records_why_once(
    repo: Path, prd: BundleTarget, server: FakeWorkspaceServer, capsys: pytest.CaptureFixture[str]
) -> None:
    test = started(repo, capsys)
    code, out, err = ab(repo, capsys, "abort", "--json")
    assert code == 0, err
    assert [s["result"] for s in json.loads(out)["steps"]] == ["updated", "deleted", "updated"]
    assert aliases(server, prd) == {"champion": 1, "candidate": 4}
    tags = server.workspace.version_tags(prd.model_full_name, 2)
    assert (tags[ab_config.OUTCOME_TAG], tags[ab_config.EXPERIMENT_TAG]) == (ab_config.ABORTED, test.salt)
    assert read_ab_file(repo).experiment("prd") is None
    code, out, _ = ab(repo, capsys, "abort", "--json")
    assert code == 0 and {s["result"] for s in json.loads(out)["steps"]} == {"unchanged"}
    code, _, err = ab(repo, capsys, "promote")
    assert code == 1 and "no A/B test runs in prd" in err


def test_a_batch_repo_and_a_malformed_config_are_usage_errors(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "batch" / str(EXAMPLE_ANSWERS["repo_name"])
    copier_copy(batch, EXAMPLE_ANSWERS)
    code, _, err = run(batch, capsys, "ab", "status")
    assert code == 2 and "is a batch repository" in err
    path = repo / ab_config.AB_FILE
    path.write_text(
        path.read_text(encoding="utf-8") + "targets:\n  prd:\n    variables:\n      ab_challenger: two\n"
    )
    code, _, err = ab(repo, capsys, "status")
    assert code == 2 and "ab_challenger is 'two'" in err and "goldenpath check-repo" in err


def test_an_unreachable_workspace_is_an_outage(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("DATABRICKS_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-nothing-listens")
    code, _, err = ab(repo, capsys, "start", "--challenger", "2", "--percent", "10")
    assert code == 3 and "127.0.0.1:9" in err and "dapi-nothing-listens" not in err
