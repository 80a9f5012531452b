"""Unity Catalog securables and grants (2.1): catalogs, schemas, effective permissions, grant updates.

Tables live in `tables.py` (their rows, for the SQL statement API); registered
models and their versions in `models.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fakes.databricks.core import ApiError, Core, Request, not_found, route


@dataclass
class CatalogState(Core):
    catalogs: set[str] = field(default_factory=set)
    schemas: set[str] = field(default_factory=set)  # full names catalog.schema
    schema_owners: dict[str, str] = field(default_factory=dict)  # full name -> owner (default: admins)
    # (securable type, full name) -> principal -> privileges granted directly there
    grants: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)

    def grant(self, securable_type: str, full_name: str, principal: str, *privileges: str) -> None:
        """Privileges as the API names them (USE_CATALOG); SQL spelling (USE CATALOG) is accepted too."""
        key = (securable_type.lower(), full_name)
        names = {privilege.upper().replace(" ", "_") for privilege in privileges}
        self.grants.setdefault(key, {}).setdefault(principal, set()).update(names)

    def effective(self, securable_type: str, full_name: str, principal: str | None) -> list[dict[str, Any]]:
        """Effective privileges: direct ones plus those inherited from the parent catalog."""
        chain = [(securable_type, full_name)]
        if securable_type == "schema":
            chain.append(("catalog", full_name.split(".")[0]))
        assignments: dict[str, list[dict[str, Any]]] = {}
        for kind, name in chain:
            for who, privileges in self.grants.get((kind, name), {}).items():
                if principal is not None and who != principal:
                    continue
                for privilege in sorted(privileges):
                    entry: dict[str, Any] = {"privilege": privilege}
                    if (kind, name) != (securable_type, full_name):
                        entry.update(inherited_from_type=kind.upper(), inherited_from_name=name)
                    assignments.setdefault(who, []).append(entry)
        return [{"principal": who, "privileges": privileges} for who, privileges in assignments.items()]


@route("GET", r"/api/2.1/unity-catalog/catalogs/(?P<name>[^/]+)")
def _catalog(request: Request) -> Any:
    name = request.match["name"]
    if name not in request.workspace.catalogs:
        raise ApiError(HTTPStatus.NOT_FOUND, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
    return {"name": name, "full_name": name}


@route("GET", r"/api/2.1/unity-catalog/schemas/(?P<name>[^/]+)")
def _schema(request: Request) -> Any:
    name = request.match["name"]
    if name not in request.workspace.schemas:
        raise ApiError(HTTPStatus.NOT_FOUND, "SCHEMA_DOES_NOT_EXIST", f"Schema '{name}' does not exist.")
    catalog, schema = name.split(".", 1)
    owner = request.workspace.schema_owners.get(name, "admins")
    return {"name": schema, "catalog_name": catalog, "full_name": name, "owner": owner}


@route("GET", r"/api/2.1/unity-catalog/effective-permissions/(?P<type>[^/]+)/(?P<name>[^/]+)")
def _effective(request: Request) -> Any:
    kind, name = request.match["type"].lower(), request.match["name"]
    known = request.workspace.catalogs if kind == "catalog" else request.workspace.schemas
    if name not in known:
        raise not_found(f"{kind.capitalize()} '{name}' does not exist.")
    return {"privilege_assignments": request.workspace.effective(kind, name, request.query.get("principal"))}


@route("PATCH", r"/api/2.1/unity-catalog/permissions/(?P<type>[^/]+)/(?P<name>[^/]+)")
def _update_grants(request: Request) -> Any:
    kind, name = request.match["type"].lower(), request.match["name"]
    for change in request.body.get("changes", []):
        request.workspace.grant(kind, name, change["principal"], *change.get("add", []))
        held = request.workspace.grants.get((kind, name), {}).get(change["principal"], set())
        held.difference_update(change.get("remove", []))
    return {
        "privilege_assignments": [
            {"principal": who, "privileges": sorted(privileges)}
            for who, privileges in request.workspace.grants.get((kind, name), {}).items()
        ]
    }
