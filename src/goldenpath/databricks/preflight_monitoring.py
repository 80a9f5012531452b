"""Before a deploy: can the target's monitor and drift alert work in this workspace?

The alert and the monitor run on the environment's SQL warehouse
(`environments.<env>.warehouse_id`), as the job's principal, and the monitor
writes its metric tables into the project's schema. Each check says what is
missing and the exact setting or grant that fixes it.
"""

from __future__ import annotations

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.catalog import SchemaInfo
from databricks.sdk.service.sql import WarehouseAccessControlResponse, WarehousePermissionLevel

from goldenpath.databricks.findings import Finding
from goldenpath.databricks.grants import ALL_PRIVILEGES, effective_privileges, sql_privilege
from goldenpath.databricks.monitoring import MonitoringTarget

# Each warehouse permission level includes the ones before it.
WAREHOUSE_LEVELS = ("CAN_VIEW", "CAN_USE", "CAN_MONITOR", "CAN_MANAGE", "IS_OWNER")
ALL_USERS = "users"  # every identity of a workspace is in this group
OUTPUT_SCHEMA_PRIVILEGES = ("USE_SCHEMA", "CREATE_TABLE")


def monitoring_checks(
    client: WorkspaceClient, monitoring: MonitoringTarget, principal: str, output_schema: SchemaInfo | None
) -> list[Finding]:
    """warehouse, warehouse-use, and output-schema when that schema exists (the output schema is
    the project's schema: when it is missing, preflight's `schema` check says who creates it)."""
    findings = [check_warehouse(client, monitoring)]
    if findings[0].ok:
        findings.append(check_warehouse_use(client, monitoring, principal))
    if output_schema is not None:
        findings.append(check_output_schema(client, monitoring, principal, output_schema))
    return findings


def check_warehouse(client: WorkspaceClient, monitoring: MonitoringTarget) -> Finding:
    warehouse_id = monitoring.warehouse_id
    try:
        warehouse = client.warehouses.get(warehouse_id)
    except NotFound:
        found = [f"{w.id} ({w.name})" for w in client.warehouses.list() if w.id]
        shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "") if found else "none is listed"
        return Finding(
            "warehouse",
            False,
            f"SQL warehouse {warehouse_id} ({monitoring.warehouse_setting} in goldenpath.yml) does not exist in this workspace",
            f"set {monitoring.warehouse_setting} in goldenpath.yml to a warehouse of this workspace ({shown}), "
            "or create one (SQL Warehouses > Create)",
        )
    state = warehouse.state.value if warehouse.state else "state unknown"
    return Finding("warehouse", True, f"SQL warehouse {warehouse.name} ({warehouse_id}) exists, {state}")


def _levels(entry: WarehouseAccessControlResponse) -> list[str]:
    return [p.permission_level.value for p in entry.all_permissions or [] if p.permission_level]


def _groups(client: WorkspaceClient, principal: str) -> set[str]:
    """The groups `principal` is in (SCIM), `users` included."""
    groups = {ALL_USERS}
    found = list(client.service_principals.list(filter=f'applicationId eq "{principal}"'))
    if found:
        groups |= {g.display for g in found[0].groups or [] if g.display}
    else:
        me = client.current_user.me()
        if principal in (me.user_name, me.id):
            groups |= {g.display for g in me.groups or [] if g.display}
    return groups


def check_warehouse_use(client: WorkspaceClient, monitoring: MonitoringTarget, principal: str) -> Finding:
    """CAN USE or more on the warehouse, given to the principal or to a group it is in."""
    warehouse_id = monitoring.warehouse_id
    acl = client.warehouses.get_permissions(warehouse_id).access_control_list or []
    groups = _groups(client, principal)
    needed = WAREHOUSE_LEVELS.index(WarehousePermissionLevel.CAN_USE.value)
    for entry in acl:
        holder = entry.service_principal_name or entry.user_name
        if holder != principal and entry.group_name not in groups:
            continue
        usable = [level for level in _levels(entry) if WAREHOUSE_LEVELS.index(level) >= needed]
        if usable:
            via = f" through group {entry.group_name}" if entry.group_name else ""
            return Finding(
                "warehouse-use", True, f"{principal} has {usable[0]} on SQL warehouse {warehouse_id}{via}"
            )
    grant = (
        f'{{"access_control_list": [{{"service_principal_name": "{principal}", "permission_level": "CAN_USE"}}]}}'
        if "@" not in principal
        else f'{{"access_control_list": [{{"user_name": "{principal}", "permission_level": "CAN_USE"}}]}}'
    )
    return Finding(
        "warehouse-use",
        False,
        f"{principal} may not use SQL warehouse {warehouse_id}: the drift alert and monitor run on it",
        f"databricks warehouses update-permissions {warehouse_id} --json '{grant}' "
        f"(or SQL Warehouses > {warehouse_id} > Permissions: {principal} Can use)",
    )


def check_output_schema(
    client: WorkspaceClient, monitoring: MonitoringTarget, principal: str, schema: SchemaInfo
) -> Finding:
    """The monitor creates its metric tables in the output schema: USE SCHEMA and CREATE TABLE there."""
    name = monitoring.output_schema
    what = f"the monitor writes {monitoring.names.drift_metrics_table(monitoring.serving)} and its profile metrics there"
    if schema.owner == principal:
        return Finding("output-schema", True, f"{principal} owns output schema {name}; {what}")
    held = effective_privileges(client, "SCHEMA", name, principal)
    missing = [] if ALL_PRIVILEGES in held else [p for p in OUTPUT_SCHEMA_PRIVILEGES if p not in held]
    if not missing:
        return Finding(
            "output-schema", True, f"{principal} may create tables in output schema {name}; {what}"
        )
    privileges = ", ".join(sql_privilege(p) for p in missing)
    return Finding(
        "output-schema",
        False,
        f"{principal} lacks {privileges} on output schema {name}; {what}",
        f"GRANT {privileges} ON SCHEMA {name} TO `{principal}`",
    )
