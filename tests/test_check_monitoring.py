"""`goldenpath check-repo` refuses a repo whose monitor, drift alert or job notifications went missing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldenpath.check.repo import check_repo, inspect_repo
from goldenpath.settings import load_settings
from rendering import render

SETTINGS = load_settings()
MONITORING_FILE = "resources/monitoring.yml"
JOB_FILE = "resources/pipeline_job.yml"
PACKAGE = "rtl_forecasting_demand_weekly"


@pytest.fixture(autouse=True)
def _no_github_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("monitoring")
    return {
        "batch": render(base / "batch"),
        "serving": render(base / "serving", {"project_kind": "serving"}),
        "bare": render(
            base / "bare",
            {"repo_name": "sup-fraud-chargeback", "team": "ds-sup", "include_example": False},
        ),
    }


def copy(generated: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    repo = tmp_path / generated[kind].name
    shutil.copytree(generated[kind], repo)
    return repo


def findings(path: Path) -> list[str]:
    return [str(f) for f in check_repo(path, SETTINGS)]


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once and return the 1-based line where it started."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("kind", ["batch", "serving", "bare"])
def test_fresh_repos_keep_their_monitoring(generated: dict[str, Path], kind: str) -> None:
    assert findings(generated[kind]) == []


def test_a_repo_without_the_example_has_nothing_to_monitor(generated: dict[str, Path]) -> None:
    assert not (generated["bare"] / MONITORING_FILE).exists()


def test_removed_monitor_and_alert_are_refused(generated: dict[str, Path], tmp_path: Path) -> None:
    repo = copy(generated, "batch", tmp_path)
    (repo / MONITORING_FILE).unlink()
    found = findings(repo)
    assert len(found) == 2
    assert re.match(
        r"\.copier-answers\.yml:\d+: monitor-missing: the example pipeline writes predictions but no "
        rf"bundle file declares resources\.quality_monitors; expected one on '{PACKAGE}_predictions'",
        found[0],
    )
    assert re.match(
        r"\.copier-answers\.yml:\d+: alert-missing: .*'rtl-forecasting-demand-weekly-drift'", found[1]
    )


def test_a_monitor_on_another_table_is_refused_with_file_and_line(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy(generated, "batch", tmp_path)
    line = edit(repo / MONITORING_FILE, f"{PACKAGE}_predictions\n", "sales\n")
    assert findings(repo) == [
        f"{MONITORING_FILE}:{line}: monitor-table: monitor 'predictions' table_name is "
        "'${var.catalog}.${var.schema}.sales', expected "
        f"'${{var.catalog}}.${{var.schema}}.{PACKAGE}_predictions'"
    ]


def test_a_serving_monitor_watches_the_unpacked_inference_table(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy(generated, "serving", tmp_path)
    edit(repo / MONITORING_FILE, f"{PACKAGE}_inference\n", "demand_weekly_model_payload\n")
    [finding] = findings(repo)
    assert f"expected '${{var.catalog}}.${{var.schema}}.{PACKAGE}_inference'" in finding


def test_monitor_columns_must_be_the_ones_the_code_writes(generated: dict[str, Path], tmp_path: Path) -> None:
    repo = copy(generated, "batch", tmp_path)
    line = edit(repo / MONITORING_FILE, "prediction_col: prediction", "prediction_col: yhat")
    assert findings(repo) == [
        f"{MONITORING_FILE}:{line}: monitor-columns: monitor 'predictions' inference_log.prediction_col "
        "is 'yhat', but the code writes 'prediction'"
    ]


def test_baseline_output_schema_and_notifications_are_required(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy(generated, "batch", tmp_path)

    def strip(data: dict[str, Any]) -> None:
        monitor = data["resources"]["quality_monitors"]["predictions"]
        del monitor["baseline_table_name"], monitor["notifications"]
        monitor["output_schema_name"] = "main.default"

    edit_yaml(repo / MONITORING_FILE, strip)
    found = "\n".join(findings(repo))
    assert "monitor-table: monitor 'predictions' baseline_table_name is None" in found
    assert "monitor-table: monitor 'predictions' output_schema_name is 'main.default'" in found
    assert (
        "monitor-notifications: monitor 'predictions' does not email the team on failure: "
        "missing ['retail-ml-oncall@example.com']" in found
    )


def test_the_alert_must_read_the_drift_metrics_and_notify_the_team(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy(generated, "batch", tmp_path)

    def repoint(data: dict[str, Any]) -> None:
        alert = data["resources"]["alerts"]["drift"]
        alert["query_text"] = "SELECT 1 AS drift"
        alert["evaluation"]["notification"]["subscriptions"] = [{"user_email": "someone@example.com"}]

    edit_yaml(repo / MONITORING_FILE, repoint)
    found = findings(repo)
    assert len(found) == 2
    assert re.match(
        rf"{MONITORING_FILE}:\d+: alert-table: alert 'drift' does not query the monitor's drift metrics "
        rf"'\$\{{var\.catalog\}}\.\$\{{var\.schema\}}\.{PACKAGE}_predictions_drift_metrics'",
        found[0],
    )
    assert found[1].endswith(
        "alert-notifications: alert 'drift' does not notify the team's "
        "['00000000-0000-0000-0000-0000000d0002', 'retail-ml-oncall@example.com'] "
        "(evaluation.notification.subscriptions)"
    )


def test_every_job_keeps_its_notifications_and_health_rule(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy(generated, "batch", tmp_path)

    def silence(data: dict[str, Any]) -> None:
        job = data["resources"]["jobs"]["pipeline"]
        del job["health"], job["webhook_notifications"]
        job["email_notifications"]["on_failure"] = ["someone@example.com"]

    edit_yaml(repo / JOB_FILE, silence)
    found = [f for f in findings(repo) if "job-notifications" in f]
    assert [f.split(": ", 2)[2] for f in found] == [
        "job 'pipeline' does not alert its team: no health rule on RUN_DURATION_SECONDS",
        "job 'pipeline' does not alert its team: email_notifications.on_failure lacks "
        "['retail-ml-oncall@example.com']",
        "job 'pipeline' does not alert its team: webhook_notifications.on_failure lacks "
        "['00000000-0000-0000-0000-0000000d0002']",
        "job 'pipeline' does not alert its team: webhook_notifications.on_duration_warning_threshold_exceeded "
        "lacks ['00000000-0000-0000-0000-0000000d0002']",
    ]
    assert all(f.startswith(f"{JOB_FILE}:") for f in found)


def test_the_monitoring_job_is_checked_too(generated: dict[str, Path], tmp_path: Path) -> None:
    repo = copy(generated, "serving", tmp_path)
    edit(repo / MONITORING_FILE, "metric: RUN_DURATION_SECONDS", "metric: STREAMING_BACKLOG_BYTES")
    edit(repo / MONITORING_FILE, "name: rtl-forecasting-demand-weekly-monitoring", "name: watcher")
    found = "\n".join(findings(repo))
    assert "job-notifications: job 'monitoring' does not alert its team: no health rule" in found
    assert (
        "job-name: resources.jobs.monitoring.name is 'watcher', expected 'rtl-forecasting-demand-weekly-monitoring'"
        in found
    )


def test_a_team_without_emails_is_notified_by_its_destinations_only(generated: dict[str, Path]) -> None:
    """ds-sup has a notification destination and no email: nothing else is expected of its jobs."""
    job = yaml.safe_load((generated["bare"] / JOB_FILE).read_text())["resources"]["jobs"]["pipeline"]
    assert "email_notifications" not in job
    assert job["webhook_notifications"]["on_failure"] == [{"id": "00000000-0000-0000-0000-0000000d0004"}]


def test_a_repo_from_before_monitoring_passes_until_an_update_brings_it(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    """The central workflows on the release line must not fail an older repository's CI."""
    repo = copy(generated, "batch", tmp_path)
    (repo / MONITORING_FILE).unlink()
    (repo / "src" / PACKAGE / "predictions.py").unlink()

    def before_monitoring(data: dict[str, Any]) -> None:
        job = data["resources"]["jobs"]["pipeline"]
        for key in ("health", "email_notifications", "webhook_notifications"):
            del job[key]

    edit_yaml(repo / JOB_FILE, before_monitoring)
    checked = inspect_repo(repo, SETTINGS)
    assert checked.findings == []
    assert (
        f"no monitoring yet (no src/{PACKAGE}/predictions.py; goldenpath update brings it)" in checked.summary
    )
    # The predictions module alone commits the repository to monitoring again.
    (repo / "src" / PACKAGE / "predictions.py").write_text('"""Writes the predictions table."""\n')
    rules = {f.split(": ")[1] for f in findings(repo)}
    assert rules == {"monitor-missing", "alert-missing", "job-notifications"}
