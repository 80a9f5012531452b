"""Serving endpoints 2.0: create, get, config, tags, AI Gateway, and the query.

The query is `POST /serving-endpoints/{name}/invocations` (no /api prefix, as
the SDK calls it). An endpoint that serves no model yet refuses it (400);
otherwise the served "model" answers `{"predictions": [...]}`, one float per
`dataframe_split` row (the row's sum). `endpoint_responses` seeds a fault: the
body every query of that endpoint gets instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakes.databricks.core import Core, Request, already_exists, bad_request, not_found, route


@dataclass
class ServingState(Core):
    # endpoint name -> {"name", "description", "tags", "ai_gateway", "served_entities": [...]}
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    # endpoint name -> the body every query of it answers instead of predictions (a fault)
    endpoint_responses: dict[str, Any] = field(default_factory=dict)

    def add_endpoint(self, name: str, *served_entities: dict[str, Any], **settings: Any) -> dict[str, Any]:
        """An endpoint as `bundle deploy` creates it (`settings`: description, tags, ai_gateway),
        serving `served_entities` ({"entity_name": ..., "entity_version": ...}) or nothing yet."""
        if name in self.endpoints:
            raise already_exists(f"Endpoint with name '{name}' already exists.")
        self.endpoints[name] = {**settings, "name": name, "served_entities": []}
        self.serve(name, list(served_entities))
        return self.endpoints[name]

    def serve(self, name: str, served_entities: list[dict[str, Any]]) -> None:
        """What a config update does once it is done: the endpoint serves exactly these entities."""
        if name not in self.endpoints:
            raise not_found(f"Endpoint with name '{name}' does not exist.")
        self.endpoints[name]["served_entities"] = [
            {
                "workload_size": "Small",
                "scale_to_zero_enabled": True,
                **entity,
                "name": entity.get("name")
                or f"{str(entity['entity_name']).split('.')[-1]}-{entity['entity_version']}",
                "entity_version": str(entity["entity_version"]),
            }
            for entity in served_entities
        ]

    def endpoint(self, name: str) -> dict[str, Any]:
        if name not in self.endpoints:
            raise not_found(f"Endpoint with name '{name}' does not exist.")
        return self.endpoints[name]


def _endpoint_view(endpoint: dict[str, Any]) -> dict[str, Any]:
    """GET serving-endpoints/{name}: READY once it serves something; config updates finish at once."""
    served = endpoint["served_entities"]
    view = {key: value for key, value in endpoint.items() if key != "served_entities"}
    view["id"] = f"{abs(hash(endpoint['name'])) % 10**12:032x}"
    view["state"] = {"ready": "READY" if served else "NOT_READY", "config_update": "NOT_UPDATING"}
    if served:
        routes = [
            {"served_model_name": entity["name"], "traffic_percentage": 100 // len(served)}
            for entity in served
        ]
        view["config"] = {
            "served_entities": [{**entity, "state": {"deployment": "DEPLOYMENT_READY"}} for entity in served],
            "traffic_config": {"routes": routes},
        }
    return view


@route("POST", r"/api/2.0/serving-endpoints")
def _endpoints_create(request: Request) -> Any:
    body = dict(request.body)
    name = str(body.pop("name", ""))
    entities = (body.pop("config", None) or {}).get("served_entities") or []
    return _endpoint_view(request.workspace.add_endpoint(name, *entities, **body))


@route("GET", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)")
def _endpoints_get(request: Request) -> Any:
    return _endpoint_view(request.workspace.endpoint(request.match["name"]))


@route("PUT", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/config")
def _endpoints_update_config(request: Request) -> Any:
    request.workspace.serve(request.match["name"], request.body.get("served_entities") or [])
    return _endpoint_view(request.workspace.endpoint(request.match["name"]))


@route("PATCH", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/tags")
def _endpoints_tags(request: Request) -> Any:
    endpoint = request.workspace.endpoint(request.match["name"])
    tags = {tag["key"]: tag.get("value") for tag in endpoint.get("tags") or []}
    for key in request.body.get("delete_tags") or []:
        tags.pop(key, None)
    tags.update({tag["key"]: tag.get("value") for tag in request.body.get("add_tags") or []})
    endpoint["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return {"tags": endpoint["tags"]}


@route("PUT", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/ai-gateway")
def _endpoints_ai_gateway(request: Request) -> Any:
    endpoint = request.workspace.endpoint(request.match["name"])
    endpoint["ai_gateway"] = request.body
    return request.body


@route("POST", r"/serving-endpoints/(?P<name>[^/]+)/invocations")
def _endpoints_query(request: Request) -> Any:
    """The served model: one float per `dataframe_split` row (its sum), or the seeded fault."""
    name = request.match["name"]
    if not request.workspace.endpoint(name)["served_entities"]:
        raise bad_request(f"Endpoint '{name}' is not ready: it serves no model yet (state NOT_READY).")
    if name in request.workspace.endpoint_responses:
        return request.workspace.endpoint_responses[name]
    split = request.body.get("dataframe_split") or {}
    columns, rows = split.get("columns") or [], split.get("data") or []
    if not rows or any(len(row) != len(columns) for row in rows):
        raise bad_request("Failed to parse input: dataframe_split needs columns and rows of one value each.")
    try:
        return {"predictions": [float(sum(row)) for row in rows]}
    except TypeError:
        raise bad_request("Failed to enforce the model's signature: every value must be a number.") from None
