"""SQL alerts, the API a bundle's `alerts` resource deploys (AlertsV2, `/api/2.0/alerts`):
create, get, list, update (with `update_mask`), trash.

An alert is stored as the API shows it (`AlertV2`). `evaluate(workspace, id)`
is its schedule firing: it runs `query_text` on the workspace's tables, takes
the `evaluation.source` column (its `aggregation` over all rows, else the
first row), compares it with the threshold (a value or another column) and
sets `evaluation.state` TRIGGERED or OK (`empty_result_state` for no rows,
ERROR when the query fails), with `last_evaluated_at`.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakes.databricks.core import Core, Request, bad_request, not_found, route
from fakes.databricks.tables import SqlError

if TYPE_CHECKING:
    from fakes.databricks.workspace import Workspace

REQUIRED = ("display_name", "query_text", "warehouse_id", "evaluation", "schedule")
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "GREATER_THAN": operator.gt,
    "GREATER_THAN_OR_EQUAL": operator.ge,
    "LESS_THAN": operator.lt,
    "LESS_THAN_OR_EQUAL": operator.le,
    "EQUAL": operator.eq,
    "NOT_EQUAL": operator.ne,
}
AGGREGATIONS: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "COUNT": len,
    "COUNT_DISTINCT": lambda values: len(set(values)),
    "AVG": statistics.fmean,
    "MEDIAN": statistics.median,
    "MIN": min,
    "MAX": max,
    "STDDEV": statistics.stdev,
}
EVALUATED_AT = "2025-01-01T00:00:00Z"


@dataclass
class AlertsState(Core):
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> AlertV2 as the API shows it

    def add_alert(self, alert: dict[str, Any], owner: str = "deployer@example.com") -> dict[str, Any]:
        missing = [name for name in REQUIRED if not alert.get(name)]
        if missing:
            raise bad_request(f"Alert is missing required field(s): {', '.join(missing)}")
        alert_id = f"{self.next_id():08x}-0000-4000-8000-000000000000"
        stored = {
            **alert,
            "id": alert_id,
            "lifecycle_state": "ACTIVE",
            "owner_user_name": owner,
            "create_time": EVALUATED_AT,
            "update_time": EVALUATED_AT,
        }
        stored["evaluation"] = {**alert["evaluation"], "state": "UNKNOWN"}
        self.alerts[alert_id] = stored
        return stored

    def alert(self, alert_id: str) -> dict[str, Any]:
        found = self.alerts.get(alert_id)
        if found is None or found["lifecycle_state"] != "ACTIVE":
            raise not_found(f"Alert {alert_id} does not exist.")
        return found


def evaluate(workspace: Workspace, alert_id: str) -> str:
    """Run the alert's query once and set its state, as its schedule would; returns the state."""
    alert = workspace.alert(alert_id)
    evaluation = alert["evaluation"]
    try:
        result = workspace.tables.execute(alert["query_text"])
    except SqlError:
        state = "ERROR"
    else:
        names = [name for name, _ in result.columns]
        rows = [dict(zip(names, row, strict=True)) for row in result.rows]
        state = _state(evaluation, rows)
    evaluation.update(state=state, last_evaluated_at=EVALUATED_AT)
    return state


def _state(evaluation: dict[str, Any], rows: list[dict[str, str | None]]) -> str:
    if not rows:
        return str(evaluation.get("empty_result_state") or "UNKNOWN")
    source = evaluation["source"]
    value = _operand(source, rows)
    threshold = evaluation.get("threshold") or {}
    if "column" in threshold:
        limit = _operand(threshold["column"], rows)
    else:
        given = threshold.get("value") or {}
        limit = given.get("double_value", given.get("string_value", given.get("bool_value")))
    compare = evaluation["comparison_operator"]
    if compare in ("IS_NULL", "IS_NOT_NULL"):
        return "TRIGGERED" if (value is None) == (compare == "IS_NULL") else "OK"
    if value is None or limit is None:
        return "UNKNOWN"
    if isinstance(limit, float | int):
        value = float(value)
    return "TRIGGERED" if COMPARISONS[compare](value, limit) else "OK"


def _operand(column: dict[str, Any], rows: list[dict[str, str | None]]) -> Any:
    name = column["name"]
    if name not in rows[0]:
        raise bad_request(f"Alert column '{name}' is not in the query's result ({', '.join(rows[0])}).")
    aggregation = column.get("aggregation")
    if not aggregation:
        return rows[0][name]
    values = [float(row[name] or 0) for row in rows if row[name] is not None]
    return AGGREGATIONS[aggregation](values) if values else None


@route("POST", r"/api/2.0/alerts")
def _create(request: Request) -> Any:
    warehouse = str(request.body.get("warehouse_id", ""))
    request.workspace.warehouse(warehouse)
    return request.workspace.add_alert(request.body, owner=request.identity)


@route("GET", r"/api/2.0/alerts")
def _list(request: Request) -> Any:
    active = [alert for alert in request.workspace.alerts.values() if alert["lifecycle_state"] == "ACTIVE"]
    return {"alerts": active} if active else {}


@route("GET", r"/api/2.0/alerts/(?P<id>[^/]+)")
def _get(request: Request) -> Any:
    return request.workspace.alert(request.match["id"])


@route("PATCH", r"/api/2.0/alerts/(?P<id>[^/]+)")
def _update(request: Request) -> Any:
    alert = request.workspace.alert(request.match["id"])
    mask = request.query.get("update_mask", "")
    if not mask:
        raise bad_request("update_mask is required")
    fields = {name.split(".")[0] for name in (request.body if mask == "*" else mask.split(","))}
    changed = {
        name: request.body[name] for name in fields - {"id", "lifecycle_state"} if name in request.body
    }
    if "warehouse_id" in changed:
        request.workspace.warehouse(str(changed["warehouse_id"]))
    alert.update(changed)
    alert["evaluation"].setdefault("state", "UNKNOWN")
    return alert


@route("DELETE", r"/api/2.0/alerts/(?P<id>[^/]+)")
def _trash(request: Request) -> Any:
    alert = request.workspace.alert(request.match["id"])
    if request.query.get("purge") == "true":
        del request.workspace.alerts[alert["id"]]
    else:
        alert["lifecycle_state"] = "DELETED"
    return {}
