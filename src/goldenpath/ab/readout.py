"""The experiment as the workspace records it: the newest readout and the traffic per variant.

Both are read with the SQL statement API on the environment's SQL warehouse
(the one monitoring uses): the readout from the table the ab_readout task
appends to, the traffic from the unpacked inference table. A table that does
not exist yet (no readout, no unpacked request) reads as nothing yet.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from databricks.sdk import WorkspaceClient

from goldenpath.ab_config import CHALLENGER, CHAMPION, READOUT_COLUMNS, Experiment
from goldenpath.databricks.statements import SqlRefused, run_sql
from goldenpath.naming import MONITOR_COLUMNS

NOT_FOUND_CLASS = "TABLE_OR_VIEW_NOT_FOUND"
_ARM_FIELDS = ("variant", "model_version", "n", "mean", "ci_low", "ci_high", "required_n")
_TEST_FIELDS = ("can_conclude", "verdict", "test", "effect", "effect_ci_low", "effect_ci_high", "p_value")
_PLAN_FIELDS = ("readout_at", "metric", "metric_type", "mde", "alpha", "power")


@dataclass(frozen=True)
class Arm:
    variant: str
    model_version: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    required_n: int | None


@dataclass(frozen=True)
class Readout:
    """The newest readout of one experiment: its plan, each arm, and the test once it can conclude."""

    readout_at: str
    metric: str
    metric_type: str
    mde: float
    alpha: float
    power: float
    arms: tuple[Arm, ...]
    can_conclude: bool
    verdict: str
    test: str | None
    effect: float | None
    effect_ci_low: float | None
    effect_ci_high: float | None
    p_value: float | None

    def arm(self, variant: str) -> Arm | None:
        return next((arm for arm in self.arms if arm.variant == variant), None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def compact(self) -> str:
        """The readout as one model version tag value: what justified the decision."""
        arms = {
            arm.variant: {"version": arm.model_version, "n": arm.n, "mean": arm.mean} for arm in self.arms
        }
        found = {
            "readout_at": self.readout_at,
            "metric": self.metric,
            "verdict": self.verdict,
            "effect": self.effect,
            "ci": [self.effect_ci_low, self.effect_ci_high],
            "p_value": self.p_value,
            "alpha": self.alpha,
            "power": self.power,
            "arms": arms,
        }
        return json.dumps(found, separators=(",", ":"))

    def waiting_for(self) -> str:
        """What the readout still needs, in words: each arm's sample against the one it must reach."""
        parts = []
        for variant in (CHAMPION, CHALLENGER):
            arm = self.arm(variant)
            needed = f"{arm.required_n}" if arm and arm.required_n else "a first estimate"
            parts.append(f"{variant} {arm.n if arm else 0} of {needed}")
        return ", ".join(parts)


class Warehouse:
    """Statements on one SQL warehouse (`goldenpath.databricks.statements`)."""

    def __init__(self, client: WorkspaceClient, warehouse_id: str, setting: str) -> None:
        self.client = client
        self.warehouse_id = warehouse_id
        self.setting = setting  # where goldenpath.yml names the warehouse, for the fix

    def rows(self, sql: str, parameters: dict[str, str]) -> list[dict[str, Any]] | None:
        """The result rows as dicts; None when the table does not exist (yet)."""
        try:
            return run_sql(
                self.client, self.warehouse_id, sql, setting=self.setting, parameters=parameters
            ).rows
        except SqlRefused as exc:
            if NOT_FOUND_CLASS in exc.message:
                return None
            raise


def latest_readout(warehouse: Warehouse, table: str, experiment: Experiment) -> Readout | None:
    """The newest readout of `experiment` in `table`; None before the first one."""
    columns = ", ".join(READOUT_COLUMNS)
    sql = (
        f"SELECT {columns} FROM {table} WHERE experiment = :experiment "  # noqa: S608 (a derived name)
        f"AND readout_at = (SELECT max(readout_at) FROM {table} WHERE experiment = :experiment)"
    )
    rows = warehouse.rows(sql, {"experiment": experiment.salt})
    if not rows:
        return None
    first = rows[0]
    arms = tuple(
        Arm(
            variant=str(row["variant"]),
            model_version=str(row["model_version"]),
            n=int(row["n"]),
            mean=_number(row["mean"]),
            ci_low=_number(row["ci_low"]),
            ci_high=_number(row["ci_high"]),
            required_n=int(row["required_n"]) if row["required_n"] is not None else None,
        )
        for row in sorted(rows, key=lambda row: [CHAMPION, CHALLENGER].index(row["variant"]))
        if row["variant"] in (CHAMPION, CHALLENGER)
    )
    return Readout(
        readout_at=str(first["readout_at"]),
        metric=str(first["metric"]),
        metric_type=str(first["metric_type"]),
        mde=float(first["mde"]),
        alpha=float(first["alpha"]),
        power=float(first["power"]),
        arms=arms,
        can_conclude=str(first["can_conclude"]).lower() == "true",
        verdict=str(first["verdict"]),
        test=first["test"],
        effect=_number(first["effect"]),
        effect_ci_low=_number(first["effect_ci_low"]),
        effect_ci_high=_number(first["effect_ci_high"]),
        p_value=_number(first["p_value"]),
    )


def traffic(warehouse: Warehouse, table: str, experiment: Experiment) -> dict[str, int]:
    """Requests rows per variant since the experiment started, from the unpacked inference table."""
    variant, at = MONITOR_COLUMNS.variant, MONITOR_COLUMNS.timestamp
    sql = (
        f"SELECT {variant}, count(*) AS requests FROM {table} "  # noqa: S608 (derived names)
        f"WHERE {variant} IS NOT NULL AND {at} >= :start GROUP BY {variant}"
    )
    rows = warehouse.rows(sql, {"start": experiment.start_date.isoformat()}) or []
    return {str(row[variant]): int(row["requests"]) for row in rows}


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None
