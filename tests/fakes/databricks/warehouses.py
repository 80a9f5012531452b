"""SQL warehouses (2.0: list, get), their permissions (`permissions/warehouses/{id}`: get, update,
set) and the SQL statement execution API (`sql/statements`: execute, get).

A statement runs at once on `tables` (see tables.py) and answers SUCCEEDED
with its rows inline (JSON_ARRAY, one chunk), or FAILED with the Databricks
error class, as the API does for SQL the warehouse refuses. It needs a
warehouse that exists and that the caller may use: CAN_USE or more, given to
the caller, one of its groups, or `users`. A stopped warehouse starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakes.databricks.core import Core, Request, bad_request, not_found, permission_denied, route
from fakes.databricks.tables import SqlError, type_name

if TYPE_CHECKING:
    from fakes.databricks.workspace import Workspace

APPLICATION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Each level includes the ones before it.
WAREHOUSE_LEVELS = ("CAN_VIEW", "CAN_USE", "CAN_MONITOR", "CAN_MANAGE", "IS_OWNER")


@dataclass
class WarehousesState(Core):
    # warehouse id -> {"id", "name", "state", "cluster_size", ...} as GET sql/warehouses/{id} answers
    warehouses: dict[str, dict[str, Any]] = field(default_factory=dict)
    # warehouse id -> principal (user name, SP application id or group) -> permission level
    warehouse_permissions: dict[str, dict[str, str]] = field(default_factory=dict)
    statements: dict[str, dict[str, Any]] = field(default_factory=dict)  # statement id -> response

    def add_warehouse(self, warehouse_id: str, name: str = "", state: str = "RUNNING") -> dict[str, Any]:
        self.warehouses[warehouse_id] = {
            "id": warehouse_id,
            "name": name or warehouse_id,
            "state": state,
            "cluster_size": "2X-Small",
            "warehouse_type": "PRO",
            "enable_serverless_compute": True,
            "creator_name": "admins",
        }
        return self.warehouses[warehouse_id]

    def permit_warehouse(self, warehouse_id: str, principal: str, level: str = "CAN_USE") -> None:
        self.warehouse_permissions.setdefault(warehouse_id, {})[principal] = level

    def warehouse(self, warehouse_id: str) -> dict[str, Any]:
        if warehouse_id not in self.warehouses:
            raise not_found(f"SQL warehouse {warehouse_id} does not exist.")
        return self.warehouses[warehouse_id]


def may_use(workspace: Workspace, warehouse_id: str, identity: str) -> bool:
    """CAN_USE or more, directly or through a group the identity is in."""
    granted = workspace.warehouse_permissions.get(warehouse_id, {})
    holders = {identity, *workspace.groups_of(identity)}
    return any(
        WAREHOUSE_LEVELS.index(level) >= WAREHOUSE_LEVELS.index("CAN_USE")
        for who, level in granted.items()
        if who in holders
    )


def _acl_entry(workspace: Workspace, principal: str, level: str) -> dict[str, Any]:
    if principal in workspace.service_principals or APPLICATION_ID.fullmatch(principal):
        who = {"service_principal_name": principal}
    elif "@" in principal:
        who = {"user_name": principal}
    else:
        who = {"group_name": principal}
    return {**who, "all_permissions": [{"permission_level": level, "inherited": False}]}


def _permissions(workspace: Workspace, warehouse_id: str) -> dict[str, Any]:
    workspace.warehouse(warehouse_id)
    granted = workspace.warehouse_permissions.get(warehouse_id, {})
    return {
        "object_id": f"/sql/warehouses/{warehouse_id}",
        "object_type": "warehouses",
        "access_control_list": [_acl_entry(workspace, who, level) for who, level in sorted(granted.items())],
    }


@route("GET", r"/api/2.0/sql/warehouses")
def _warehouses_list(request: Request) -> Any:
    return {"warehouses": list(request.workspace.warehouses.values())}


@route("GET", r"/api/2.0/sql/warehouses/(?P<id>[^/]+)")
def _warehouse_get(request: Request) -> Any:
    return request.workspace.warehouse(request.match["id"])


@route("GET", r"/api/2.0/permissions/warehouses/(?P<id>[^/]+)")
def _warehouse_permissions(request: Request) -> Any:
    return _permissions(request.workspace, request.match["id"])


def _change_permissions(request: Request, replace: bool) -> Any:
    warehouse_id = request.match["id"]
    request.workspace.warehouse(warehouse_id)
    if replace:
        request.workspace.warehouse_permissions[warehouse_id] = {}
    for entry in request.body.get("access_control_list") or []:
        principal = entry.get("service_principal_name") or entry.get("user_name") or entry.get("group_name")
        level = entry.get("permission_level")
        if not principal or level not in WAREHOUSE_LEVELS:
            raise bad_request(f"invalid access control entry {entry}")
        request.workspace.permit_warehouse(warehouse_id, principal, level)
    return _permissions(request.workspace, warehouse_id)


@route("PATCH", r"/api/2.0/permissions/warehouses/(?P<id>[^/]+)")
def _warehouse_permissions_update(request: Request) -> Any:
    return _change_permissions(request, replace=False)


@route("PUT", r"/api/2.0/permissions/warehouses/(?P<id>[^/]+)")
def _warehouse_permissions_set(request: Request) -> Any:
    return _change_permissions(request, replace=True)


@route("POST", r"/api/2.0/sql/statements")
def _execute_statement(request: Request) -> Any:
    workspace = request.workspace
    warehouse_id = str(request.body.get("warehouse_id", ""))
    warehouse = workspace.warehouse(warehouse_id)
    if not may_use(workspace, warehouse_id, request.identity):
        raise permission_denied(f"{request.identity} does not have CAN_USE on SQL warehouse {warehouse_id}.")
    warehouse["state"] = "RUNNING"
    statement_id = f"01ef{workspace.next_id():028x}"
    parameters = {str(p["name"]): p.get("value") for p in request.body.get("parameters") or []}
    try:
        result = workspace.tables.execute(str(request.body.get("statement", "")), parameters)
    except SqlError as error:
        response: dict[str, Any] = {
            "statement_id": statement_id,
            "status": {
                "state": "FAILED",
                "error": {"error_code": "BAD_REQUEST", "message": str(error)},
                "sql_state": error.sql_state,
            },
        }
    else:
        response = _succeeded(statement_id, result.columns, result.rows)
    workspace.statements[statement_id] = response
    return response


def _succeeded(
    statement_id: str, columns: list[tuple[str, str]], rows: list[list[str | None]]
) -> dict[str, Any]:
    chunk: dict[str, Any] = {"chunk_index": 0, "row_offset": 0, "row_count": len(rows)}
    schema = [
        {"name": name, "type_name": type_name(kind), "type_text": kind, "position": index}
        for index, (name, kind) in enumerate(columns)
    ]
    return {
        "statement_id": statement_id,
        "status": {"state": "SUCCEEDED"},
        "manifest": {
            "format": "JSON_ARRAY",
            "schema": {"column_count": len(schema), "columns": schema},
            "total_chunk_count": 1,
            "chunks": [chunk],
            "total_row_count": len(rows),
            "truncated": False,
        },
        "result": {**chunk, "data_array": rows} if rows else chunk,
    }


@route("GET", r"/api/2.0/sql/statements/(?P<id>[^/]+)")
def _get_statement(request: Request) -> Any:
    statement_id = request.match["id"]
    if statement_id not in request.workspace.statements:
        raise not_found(f"Statement {statement_id} does not exist.")
    return request.workspace.statements[statement_id]
