"""Unity Catalog registered models (2.1): versions and aliases.

`model_versions` holds each model's versions in order (version n at index n-1);
`aliases` maps a model's alias (`champion`, `challenger`) to a version number.
Views of a version carry its aliases, as the API's `ModelVersionInfo` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakes.databricks.core import Core, Request, not_found, route


@dataclass
class ModelsState(Core):
    model_versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # full name -> versions
    aliases: dict[str, dict[str, int]] = field(default_factory=dict)  # full name -> alias -> version

    def add_model_version(self, full_name: str, run_id: str) -> int:
        versions = self.model_versions.setdefault(full_name, [])
        catalog, schema, model = full_name.split(".")
        version = len(versions) + 1
        versions.append(
            {
                "model_name": model,
                "catalog_name": catalog,
                "schema_name": schema,
                "version": version,
                "run_id": run_id,
                "status": "READY",
            }
        )
        return version

    def set_alias(self, full_name: str, alias: str, version: int) -> None:
        self.model_version(full_name, version)
        self.aliases.setdefault(full_name, {})[alias] = version

    def model_version(self, full_name: str, version: int) -> dict[str, Any]:
        for found in self.model_versions.get(full_name, []):
            if found["version"] == version:
                return found
        raise not_found(f"Model version '{full_name}/{version}' does not exist.")

    def alias_views(self, full_name: str, version: int | None = None) -> list[dict[str, Any]]:
        catalog, schema, model = full_name.split(".")
        return [
            {
                "alias_name": alias,
                "version_num": number,
                "catalog_name": catalog,
                "schema_name": schema,
                "model_name": model,
            }
            for alias, number in sorted(self.aliases.get(full_name, {}).items())
            if version is None or number == version
        ]

    def version_view(self, full_name: str, version: int) -> dict[str, Any]:
        return {**self.model_version(full_name, version), "aliases": self.alias_views(full_name, version)}

    def versions_of(self, full_name: str) -> list[dict[str, Any]]:
        if full_name not in self.model_versions:
            raise not_found(f"Registered model '{full_name}' does not exist.")
        return self.model_versions[full_name]


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)")
def _registered_model(request: Request) -> Any:
    name = request.match["name"]
    request.workspace.versions_of(name)
    catalog, schema, model = name.split(".")
    view: dict[str, Any] = {"full_name": name, "catalog_name": catalog, "schema_name": schema, "name": model}
    if request.query.get("include_aliases") == "true":
        view["aliases"] = request.workspace.alias_views(name)
    return view


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/versions")
def _model_versions(request: Request) -> Any:
    name = request.match["name"]
    versions = request.workspace.versions_of(name)
    return {"model_versions": [request.workspace.version_view(name, v["version"]) for v in versions]}


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/versions/(?P<version>\d+)")
def _model_version(request: Request) -> Any:
    return request.workspace.version_view(request.match["name"], int(request.match["version"]))


@route("PUT", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)")
def _set_alias(request: Request) -> Any:
    name, alias = request.match["name"], request.match["alias"]
    request.workspace.set_alias(name, alias, int(request.body.get("version_num", 0)))
    (view,) = [a for a in request.workspace.alias_views(name) if a["alias_name"] == alias]
    return view


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)")
def _version_by_alias(request: Request) -> Any:
    name, alias = request.match["name"], request.match["alias"]
    version = request.workspace.aliases.get(name, {}).get(alias)
    if version is None:
        raise not_found(f"Alias '{alias}' does not exist on registered model '{name}'.")
    return request.workspace.version_view(name, version)


@route("DELETE", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)")
def _delete_alias(request: Request) -> Any:
    request.workspace.aliases.get(request.match["name"], {}).pop(request.match["alias"], None)
    return {}
