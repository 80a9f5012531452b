"""Before a deploy: the tables the bundle's quality monitor needs, created empty if they are missing.

Databricks creates a monitor only on a table that exists, and the job writes
its tables on its first run, after the deploy. So the monitored table and the
baseline table are created first, with the monitor's columns
(`DerivedNames.monitored_tables_ddl`); the tasks add the feature columns on
their first append. Each table is one idempotent step: read whether it exists,
create it only if not (never with `--dry-run`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from databricks.sdk import WorkspaceClient

from goldenpath.databricks.bundle import BundleTarget, target_resources
from goldenpath.databricks.monitoring import MonitoringTarget
from goldenpath.databricks.statements import run_sql
from goldenpath.naming import MONITOR_KEY

CREATED_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (?P<table>\S+) ")


@dataclass(frozen=True)
class TableStep:
    table: str
    action: str  # "exists", "created", "would create"
    statement: str


@dataclass(frozen=True)
class Prepared:
    target: str
    monitored: bool  # whether the bundle declares the monitor at all
    tables: list[TableStep]

    def as_json(self) -> str:
        body: dict[str, Any] = {
            "command": "monitor prepare",
            "target": self.target,
            "monitored": self.monitored,
        }
        body["tables"] = [asdict(step) for step in self.tables]
        return json.dumps(body, indent=2)

    def as_text(self) -> str:
        if not self.monitored:
            return f"monitor prepare --target {self.target}: the bundle declares no quality monitor; nothing to prepare"
        return "\n".join(f"{step.action:<12} {step.table}" for step in self.tables)

    def as_markdown(self) -> str:
        lines = [f"### goldenpath monitor prepare `{self.target}`", ""]
        if not self.monitored:
            return "\n".join([*lines, "The bundle declares no quality monitor; nothing to prepare."]) + "\n"
        lines += [
            "| table | |",
            "|---|---|",
            *(f"| `{step.table}` | {step.action} |" for step in self.tables),
        ]
        return "\n".join(lines) + "\n"


def prepare_tables(
    client: WorkspaceClient, bundle: BundleTarget, monitoring: MonitoringTarget, dry_run: bool
) -> Prepared:
    """Create what is missing of the monitored and baseline tables (nothing when the bundle has no monitor)."""
    if MONITOR_KEY not in target_resources(bundle.root, bundle.target, "quality_monitors"):
        return Prepared(bundle.target, monitored=False, tables=[])
    steps = []
    for statement in monitoring.names.monitored_tables_ddl(monitoring.environment, monitoring.serving):
        parsed = CREATED_TABLE.match(statement)
        assert parsed is not None, statement  # naming writes every statement in that form
        table = parsed["table"]
        if client.tables.exists(table).table_exists:
            steps.append(TableStep(table, "exists", statement))
        elif dry_run:
            steps.append(TableStep(table, "would create", statement))
        else:
            run_sql(client, monitoring.warehouse_id, statement, setting=monitoring.warehouse_setting)
            steps.append(TableStep(table, "created", statement))
    return Prepared(bundle.target, monitored=True, tables=steps)
