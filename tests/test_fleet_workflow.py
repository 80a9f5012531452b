"""The fleet-report workflow, read as data: read-only jobs, the shard matrix, the caches a week can find.

Its zizmor, actionlint and pin checks are test_workflows_static.py's, as for
every workflow; what it does end to end is tests/e2e/test_act_fleet_report.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rendering import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "fleet-report.yml"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow["on"] if "on" in workflow else workflow.get(True)  # PyYAML reads the key `on` as True
    assert isinstance(on, dict)
    return on


def test_fleet_report_is_weekly_read_only_and_pages_are_opt_in() -> None:
    workflow = _load(WORKFLOW)
    assert set(_triggers(workflow)) == {"schedule", "workflow_dispatch"}
    assert _triggers(workflow)["workflow_dispatch"]["inputs"]["publish-pages"]["default"] is False
    jobs = workflow["jobs"]
    for name in ("plan", "scan", "report"):
        assert jobs[name]["permissions"] == {"contents": "read"}, name
    for name in ("plan", "scan"):
        token = next(step for step in jobs[name]["steps"] if step.get("id") == "app-token")
        granted = {key: value for key, value in token["with"].items() if key.startswith("permission-")}
        assert granted and set(granted.values()) == {"read"}, name
    assert not any(
        step.get("id") == "app-token" for step in jobs["report"]["steps"]
    )  # merging needs no token
    report = jobs["report"]
    merge = next(step for step in report["steps"] if "goldenpath fleet merge" in step.get("run", ""))
    assert {"--json", "--html", "--markdown", "--history", "--campaign-issues"} <= set(merge["run"].split())
    uploads = [
        step for step in report["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert uploads and uploads[0]["with"]["path"] == "fleet-report/"
    pages = jobs["pages"]
    assert pages["if"] == "needs.report.outputs.pages == 'true'"
    assert (
        report["env"]["PUBLISH_PAGES"]
        == "${{ inputs.publish-pages == true || vars.FLEET_REPORT_PAGES == 'true' }}"
    )


def test_fleet_report_shards_on_a_matrix_with_caches_a_week_can_find() -> None:
    workflow = _load(WORKFLOW)
    jobs = workflow["jobs"]
    assert jobs["plan"]["outputs"]["shards"] == "${{ steps.plan.outputs.shards }}"
    assert jobs["scan"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert jobs["scan"]["strategy"]["fail-fast"] is False
    scan = next(step for step in jobs["scan"]["steps"] if "goldenpath fleet" in step.get("run", ""))
    assert '--shard "$SHARD" --cache .fleet-cache' in scan["run"] and "${{" not in scan["run"]

    def cache(job: str, kind: str) -> dict[str, Any]:
        return next(s for s in jobs[job]["steps"] if s.get("uses", "").startswith(f"actions/cache/{kind}@"))

    restore, save = cache("scan", "restore"), cache("scan", "save")
    key = "fleet-cache-${{ steps.shard.outputs.id }}-${{ github.run_id }}"
    assert restore["with"]["key"] == save["with"]["key"] == key  # unique per run: a cache entry is immutable
    assert restore["with"]["restore-keys"].splitlines() == [
        "fleet-cache-${{ steps.shard.outputs.id }}-",
        "fleet-cache-",
    ]
    assert save["if"] == "${{ !cancelled() }}"  # a partial scan's cache makes the rerun cheaper
    history_restore, history_save = cache("report", "restore"), cache("report", "save")
    assert history_restore["with"]["restore-keys"] == "fleet-history-"
    assert history_save["with"]["path"] == history_restore["with"]["path"] == "fleet-history"
    assert workflow["env"]["HISTORY_WEEKS"] == "26"
    assert jobs["report"]["needs"] == ["plan", "scan"]
    assert jobs["report"]["if"] == "${{ !cancelled() && needs.plan.result == 'success' }}"
