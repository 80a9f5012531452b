"""A fleet report read back from its JSON: for `goldenpath fleet merge`.

Only the rows and what the scan recorded are read; everything derived
(summary, levels, trends, campaigns) is computed again by the merge, so a
merged report is built exactly as one scan's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from goldenpath.errors import UsageError
from goldenpath.fleet.model import (
    REPORT_KIND,
    SCHEMA_VERSION,
    CIRun,
    Evidence,
    FleetReport,
    Owner,
    RateLimit,
    RepoReport,
    ScanInfo,
    StatementInfo,
    TemplateDrift,
    UpdatePR,
    Verdict,
    WorkflowUsage,
    WorkflowUse,
)


def read_report(path: Path) -> FleetReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{path}: not a readable JSON file ({exc})", "give the --json files of `goldenpath fleet`"
        ) from exc
    if not isinstance(data, dict) or data.get("kind") != REPORT_KIND:
        raise UsageError(f"{path}: not a fleet report", "give the --json files of `goldenpath fleet`")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: schema version {data.get('schema_version')!r}; this goldenpath reads {SCHEMA_VERSION}",
            "scan again with this goldenpath",
        )
    try:
        return _report(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(
            f"{path}: a fleet report with a missing or wrong field ({exc!r})", "scan again"
        ) from exc


def _report(data: dict[str, Any]) -> FleetReport:
    central = data["central"]
    return FleetReport(
        org=data["org"],
        topic=data["topic"],
        central=central["repo"],
        release_line=central["release_line"],
        central_releases=list(central["releases"]),
        generated_at=data["generated_at"],
        statements=[
            StatementInfo(s["id"], tuple(s["numbers"]), s["title"], s["checks"]) for s in data["statements"]
        ],
        manual_statements=list(data["manual_statements"]["numbers"]),
        manual_why={int(n): str(why) for n, why in (data["manual_statements"].get("why") or {}).items()},
        repos=[_repo(repo) for repo in data["repos"]],
        scan=_scan(data.get("scan") or {}),
    )


def _scan(data: dict[str, Any]) -> ScanInfo:
    rate = data.get("rate_limit")
    return ScanInfo(
        shards=list(data.get("shards") or ["1/1"]),
        complete=bool(data.get("complete", True)),
        not_scanned=list(data.get("not_scanned") or []),
        missing_shards=list(data.get("missing_shards") or []),
        calls=int(data.get("calls") or 0),
        not_modified=int(data.get("not_modified") or 0),
        rate_limit=RateLimit(**rate) if rate else None,
        stopped=data.get("stopped"),
    )


def _repo(data: dict[str, Any]) -> RepoReport:
    workflows = data["workflows"]
    return RepoReport(
        name=data["name"],
        full_name=data["full_name"],
        url=data["url"],
        default_branch=data["default_branch"],
        discovered_by=list(data["discovered_by"]),
        archived=bool(data["archived"]),
        error=data["error"],
        template=TemplateDrift(**data["template"]),
        workflows=WorkflowUsage(
            workflows["status"],
            tuple(WorkflowUse(**use) for use in workflows["uses"]),
            tuple(workflows["missing"]),
        ),
        update_pr=UpdatePR(**data["update_pr"]) if data["update_pr"] else None,
        ci=CIRun(**data["ci"]) if data["ci"] else None,
        maturity={
            key: Verdict(v["result"], v["reason"], tuple(Evidence(**e) for e in v["evidence"]))
            for key, v in data["maturity"].items()
        },
        owner=Owner(**data["owner"]) if data.get("owner") else None,
    )
