"""`Workspace`: every concern's state in one object, and the seeding helpers tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakes.databricks.alerts import AlertsState
from fakes.databricks.catalog import CatalogState
from fakes.databricks.core import FAKE_TOKEN
from fakes.databricks.identity import IdentityState
from fakes.databricks.jobs import JobsState
from fakes.databricks.mlflow import MlflowState
from fakes.databricks.model_tags import ModelTagsState
from fakes.databricks.models import ModelsState
from fakes.databricks.monitors import MonitorsState
from fakes.databricks.serving import ServingState
from fakes.databricks.tables import TablesState
from fakes.databricks.warehouses import WarehousesState


@dataclass
class Workspace(
    IdentityState,
    CatalogState,
    TablesState,
    ModelsState,
    ModelTagsState,
    JobsState,
    MlflowState,
    ServingState,
    WarehousesState,
    AlertsState,
    MonitorsState,
):
    """Everything the fake workspace knows. Seed it directly; the server reads and writes it."""


def seed_healthy(
    workspace: Workspace,
    *,
    catalog: str,
    schema: str,
    principal: str,
    node_type: str,
    spark_version: str,
    warehouse_id: str,
) -> None:
    """A workspace where a project's preflight passes: `principal` is an active SP with every grant,
    and may use the SQL warehouse its monitoring runs on."""
    workspace.add_service_principal(principal, f"{catalog} deployer")
    workspace.tokens[FAKE_TOKEN] = principal
    workspace.catalogs.add(catalog)
    workspace.schemas.add(f"{catalog}.{schema}")
    workspace.grant("catalog", catalog, principal, "USE_CATALOG")
    workspace.grant("schema", f"{catalog}.{schema}", principal, "USE_SCHEMA", "CREATE_MODEL", "CREATE_TABLE")
    workspace.node_types.extend(["Standard_DS3_v2", node_type])
    workspace.spark_versions.extend(["14.3.x-scala2.12", spark_version])
    if warehouse_id not in workspace.warehouses:
        workspace.add_warehouse(warehouse_id, "monitoring")
    workspace.permit_warehouse(warehouse_id, principal, "CAN_USE")


def seed_from(workspace: Workspace, seed: dict[str, Any]) -> None:
    """Seed from plain data (the standalone server's --seed file); keys mirror `Workspace`."""
    for app_id, name in (seed.get("service_principals") or {}).items():
        workspace.add_service_principal(app_id, name)
    workspace.oauth_clients.update(seed.get("oauth_clients") or {})
    workspace.tokens.update(seed.get("tokens") or {})
    workspace.catalogs.update(seed.get("catalogs") or [])
    workspace.schemas.update(seed.get("schemas") or [])
    for grant in seed.get("grants") or []:
        workspace.grant(grant["type"], grant["name"], grant["principal"], *grant["privileges"])
    workspace.node_types.extend(seed.get("node_types") or [])
    workspace.spark_versions.extend(seed.get("spark_versions") or [])
    for name, endpoint in (seed.get("endpoints") or {}).items():
        settings = {key: value for key, value in endpoint.items() if key != "served_entities"}
        workspace.add_endpoint(name, *(endpoint.get("served_entities") or []), **settings)
    workspace.endpoint_responses.update(seed.get("endpoint_responses") or {})
    for warehouse_id, warehouse in (seed.get("warehouses") or {}).items():
        workspace.add_warehouse(warehouse_id, warehouse.get("name", ""), warehouse.get("state", "RUNNING"))
        for principal, level in (warehouse.get("permissions") or {}).items():
            workspace.permit_warehouse(warehouse_id, principal, level)
    for name, table in (seed.get("tables") or {}).items():
        workspace.tables.create(name, table["columns"], table.get("rows") or [])
