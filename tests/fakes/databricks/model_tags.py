"""Unity Catalog model version tags, through MLflow's Unity Catalog registry API (2.0).

databricks-sdk's `ModelVersionInfo` has no tags; MLflow (and `goldenpath ab`)
read and write them here, as Databricks serves them:

- `GET /api/2.0/mlflow/unity-catalog/model-versions/get?name=&version=` answers
  `{"model_version": {...}}` with `tags` (a list of key/value, left out when
  there are none) and `aliases`;
- `POST .../model-versions/set-tag` with `name`, `version`, `key`, `value`;
- `DELETE .../model-versions/delete-tag?name=&version=&key=` (a POST there is
  "No API found", as on Databricks).

The versions themselves are `models.py`'s; a tag on a version that does not
exist is refused with 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakes.databricks.core import Core, Request, bad_request, route

API = "/api/2.0/mlflow/unity-catalog/model-versions"


@dataclass
class ModelTagsState(Core):
    # full model name -> version -> tag key -> value
    model_version_tags: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)

    def version_tags(self, full_name: str, version: int) -> dict[str, str]:
        return self.model_version_tags.setdefault(full_name, {}).setdefault(version, {})


def _version(request: Request, source: dict[str, Any]) -> tuple[str, int]:
    name, version = str(source.get("name", "")), str(source.get("version", ""))
    if not name or not version.isdigit():
        raise bad_request("name and version (a number) are required")
    request.workspace.model_version(name, int(version))  # 404 when there is no such version
    return name, int(version)


@route("GET", rf"{API}/get")
def _get(request: Request) -> Any:
    name, version = _version(request, request.query)
    found = request.workspace.version_view(name, version)
    view: dict[str, Any] = {
        "name": name,
        "version": str(version),
        "status": found.get("status", "READY"),
        "run_id": found.get("run_id", ""),
        "aliases": [alias["alias_name"] for alias in found["aliases"]],
    }
    tags = request.workspace.version_tags(name, version)
    if tags:
        view["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return {"model_version": view}


@route("POST", rf"{API}/set-tag")
def _set_tag(request: Request) -> Any:
    name, version = _version(request, request.body)
    key = str(request.body.get("key", ""))
    if not key:
        raise bad_request("key is required")
    request.workspace.version_tags(name, version)[key] = str(request.body.get("value", ""))
    return {}


@route("DELETE", rf"{API}/delete-tag")
def _delete_tag(request: Request) -> Any:
    name, version = _version(request, request.query)
    request.workspace.version_tags(name, version).pop(request.query.get("key", ""), None)
    return {}
