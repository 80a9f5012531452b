"""Quality monitors, the API a bundle's `quality_monitors` resource deploys (Unity Catalog 2.1
`tables/{table}/monitor`): create, get, update, delete; refreshes: run, list, get, cancel.

Creating one needs the monitored table (the API refuses a monitor on a table
that does not exist) and the output schema; an `inference_log` profile must
name columns the table has. A refresh answers PENDING and is finished on the
next read, ending as `refresh_outcomes[table]` says (SUCCESS by default; it
FAILS when the baseline table is missing). A successful refresh creates the
output tables `<output schema>.<table>_profile_metrics` and `_drift_metrics`
(empty, with the documented columns; struct fields flattened, see tables.py)
if they do not exist yet; tests add the drift rows a real refresh computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fakes.databricks.core import ApiError, Core, Request, already_exists, bad_request, not_found, route

if TYPE_CHECKING:
    from fakes.databricks.workspace import Workspace

PROFILES = ("inference_log", "time_series", "snapshot")
UPDATABLE = (
    "output_schema_name",
    "baseline_table_name",
    "custom_metrics",
    "dashboard_id",
    "data_classification_config",
    "inference_log",
    "notifications",
    "schedule",
    "slicing_exprs",
    "snapshot",
    "time_series",
)
WINDOW = {"window.start": "TIMESTAMP", "window.end": "TIMESTAMP"}
SLICE = {"granularity": "STRING", "model_id": "STRING", "slice_key": "STRING", "slice_value": "STRING"}
DRIFT_METRICS_COLUMNS = {
    **WINDOW,
    **SLICE,
    "column_name": "STRING",
    "data_type": "STRING",
    "window_cmp.start": "TIMESTAMP",
    "window_cmp.end": "TIMESTAMP",
    "drift_type": "STRING",  # BASELINE or CONSECUTIVE
    "count_delta": "DOUBLE",
    "avg_delta": "DOUBLE",
    "percent_null_delta": "DOUBLE",
    "chi_squared_test.statistic": "DOUBLE",
    "chi_squared_test.pvalue": "DOUBLE",
    "ks_test.statistic": "DOUBLE",
    "ks_test.pvalue": "DOUBLE",
    "tv_distance": "DOUBLE",
    "l_infinity_distance": "DOUBLE",
    "js_distance": "DOUBLE",
    "wasserstein_distance": "DOUBLE",
    "population_stability_index": "DOUBLE",
    "monitor_version": "BIGINT",
}
PROFILE_METRICS_COLUMNS = {
    **WINDOW,
    **SLICE,
    "column_name": "STRING",
    "log_type": "STRING",  # INPUT or BASELINE
    "count": "BIGINT",
    "num_nulls": "BIGINT",
    "avg": "DOUBLE",
    "min": "DOUBLE",
    "max": "DOUBLE",
    "stddev": "DOUBLE",
    "monitor_version": "BIGINT",
}
START_MS = 1_735_689_600_000  # the first refresh's start; each later one starts a minute on


def metrics_table(output_schema: str, table: str, kind: str) -> str:
    """`<output schema>.<monitored table's name>_<kind>_metrics`, kind `profile` or `drift`."""
    return f"{output_schema}.{table.split('.')[-1]}_{kind}_metrics"


@dataclass
class MonitorsState(Core):
    monitors: dict[str, dict[str, Any]] = field(default_factory=dict)  # monitored table -> MonitorInfo
    monitor_refreshes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> refreshes
    # table -> (state, message) its refreshes end in; SUCCESS when absent
    refresh_outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)

    def monitor(self, table: str) -> dict[str, Any]:
        if table not in self.monitors:
            raise not_found(f"Monitor for table '{table}' does not exist.")
        return self.monitors[table]

    def add_refresh(self, table: str, state: str = "SUCCESS", message: str = "") -> dict[str, Any]:
        """A refresh that already ran (or is running) before the test."""
        self.monitor(table)
        refreshes = self.monitor_refreshes.setdefault(table, [])
        refresh: dict[str, Any] = {
            "refresh_id": self.next_id(),
            "state": state,
            "start_time_ms": START_MS + 60_000 * len(refreshes),
            "trigger": "SCHEDULE",
        }
        if state not in ("PENDING", "RUNNING"):
            refresh["end_time_ms"] = refresh["start_time_ms"] + 30_000
        if message:
            refresh["message"] = message
        refreshes.append(refresh)
        return refresh


def create_monitor(workspace: Workspace, table: str, body: dict[str, Any]) -> dict[str, Any]:
    if table in workspace.monitors:
        raise already_exists(f"Monitor for table '{table}' already exists.")
    if not workspace.tables.exists(table):
        raise ApiError(HTTPStatus.NOT_FOUND, "TABLE_DOES_NOT_EXIST", f"Table '{table}' does not exist.")
    for required in ("output_schema_name", "assets_dir"):
        if not body.get(required):
            raise bad_request(f"{required} is required to create a monitor")
    _check_profile(workspace, table, body)
    output = str(body["output_schema_name"])
    monitor = {
        key: value for key, value in body.items() if key not in ("warehouse_id", "skip_builtin_dashboard")
    }
    monitor.update(
        table_name=table,
        status="MONITOR_STATUS_ACTIVE",
        monitor_version=1,
        profile_metrics_table_name=metrics_table(output, table, "profile"),
        drift_metrics_table_name=metrics_table(output, table, "drift"),
        dashboard_id=f"dash{workspace.next_id()}",
    )
    if monitor.get("schedule"):
        monitor["schedule"] = {"pause_status": "UNPAUSED", **monitor["schedule"]}
    workspace.monitors[table] = monitor
    return monitor


def _check_profile(workspace: Workspace, table: str, body: dict[str, Any]) -> None:
    if body["output_schema_name"] not in workspace.schemas:
        raise ApiError(
            HTTPStatus.NOT_FOUND,
            "SCHEMA_DOES_NOT_EXIST",
            f"Schema '{body['output_schema_name']}' does not exist.",
        )
    profiles = [name for name in PROFILES if body.get(name) is not None]
    if len(profiles) != 1:
        raise bad_request(f"exactly one of {', '.join(PROFILES)} is required, got {profiles or 'none'}")
    columns = workspace.tables.columns(table)
    for key, column in (body.get("inference_log") or {}).items():
        if key.endswith("_col") and column not in columns:
            raise bad_request(f"inference_log.{key} '{column}' is not a column of table '{table}'")


def finish(workspace: Workspace, table: str, refresh: dict[str, Any]) -> None:
    """A pending refresh ends as seeded; a successful one leaves the output tables in place."""
    if refresh["state"] not in ("PENDING", "RUNNING"):
        return
    monitor = workspace.monitors.get(table)
    state, message = workspace.refresh_outcomes.get(table, ("SUCCESS", ""))
    baseline = (monitor or {}).get("baseline_table_name")
    if state == "SUCCESS" and baseline and not workspace.tables.exists(baseline):
        state, message = "FAILED", f"Baseline table '{baseline}' does not exist."
    refresh.update(state=state, end_time_ms=refresh["start_time_ms"] + 30_000)
    if message:
        refresh["message"] = message
    if monitor is None:
        return
    if state == "FAILED":
        monitor["latest_monitor_failure_msg"] = message
    elif state == "SUCCESS":
        for kind, columns in (("profile", PROFILE_METRICS_COLUMNS), ("drift", DRIFT_METRICS_COLUMNS)):
            name = monitor[f"{kind}_metrics_table_name"]
            if not workspace.tables.exists(name):
                workspace.tables.create(name, columns)


def _refreshes(workspace: Workspace, table: str) -> list[dict[str, Any]]:
    workspace.monitor(table)
    refreshes = workspace.monitor_refreshes.get(table, [])
    for refresh in refreshes:
        finish(workspace, table, refresh)
    return refreshes


@route("POST", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor")
def _create(request: Request) -> Any:
    return create_monitor(request.workspace, request.match["table"], request.body)


@route("GET", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor")
def _get(request: Request) -> Any:
    return request.workspace.monitor(request.match["table"])


@route("PUT", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor")
def _update(request: Request) -> Any:
    table = request.match["table"]
    monitor = request.workspace.monitor(table)
    if not request.body.get("output_schema_name"):
        raise bad_request("output_schema_name is required to update a monitor")
    _check_profile(request.workspace, table, {**monitor, **request.body})
    for key in UPDATABLE:
        if key in request.body:
            monitor[key] = request.body[key]
        elif key not in ("output_schema_name", "dashboard_id"):
            monitor.pop(key, None)
    monitor["monitor_version"] += 1
    return monitor


@route("DELETE", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor")
def _delete(request: Request) -> Any:
    request.workspace.monitor(request.match["table"])
    del request.workspace.monitors[request.match["table"]]
    return {}


@route("POST", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor/refreshes")
def _run_refresh(request: Request) -> Any:
    refresh = request.workspace.add_refresh(request.match["table"], state="PENDING")
    refresh["trigger"] = "MANUAL"
    return dict(refresh)


@route("GET", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor/refreshes")
def _list_refreshes(request: Request) -> Any:
    refreshes = _refreshes(request.workspace, request.match["table"])
    return {"refreshes": sorted(refreshes, key=lambda r: -int(r["start_time_ms"]))[:25]}


@route("GET", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor/refreshes/(?P<id>\d+)")
def _get_refresh(request: Request) -> Any:
    for refresh in _refreshes(request.workspace, request.match["table"]):
        if refresh["refresh_id"] == int(request.match["id"]):
            return refresh
    raise not_found(f"Refresh {request.match['id']} does not exist.")


@route("POST", r"/api/2.1/unity-catalog/tables/(?P<table>[^/]+)/monitor/refreshes/(?P<id>\d+)/cancel")
def _cancel_refresh(request: Request) -> Any:
    for refresh in request.workspace.monitor_refreshes.get(request.match["table"], []):
        if refresh["refresh_id"] == int(request.match["id"]) and refresh["state"] in ("PENDING", "RUNNING"):
            refresh.update(state="CANCELED", end_time_ms=refresh["start_time_ms"] + 1000)
            return {}
    raise bad_request(f"Refresh {request.match['id']} is not running.")
