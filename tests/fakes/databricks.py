"""A fake Databricks workspace: a stateful loopback HTTP server for tests. Never shipped.

Tests drive it through the real databricks-sdk (`WorkspaceClient(host=fake.url,
token=fake.token)`, or the SDK's environment), so requests, paths, query
strings and response shapes are the SDK's own. It follows databricks-sdk
0.162.0 (uv.lock) and these REST API versions, as that SDK calls them:

- SCIM 2.0 preview: `GET /api/2.0/preview/scim/v2/Me`, `.../ServicePrincipals?filter=`
- Unity Catalog 2.1: `catalogs/{name}`, `schemas/{full_name}`,
  `effective-permissions/{type}/{name}`, `PATCH permissions/{type}/{name}`,
  `models/{full_name}/versions[/{version}]`
- Clusters 2.1: `list-node-types`, `spark-versions`
- Jobs 2.2: `list`, `get`, `create`, `reset`, `delete`, `run-now`, `runs/get`,
  `runs/get-output`, `runs/cancel`
- MLflow 2.0: `experiments/get-by-name`, `runs/search`, `runs/get`
- Serving endpoints 2.0: `POST serving-endpoints` (create), `GET serving-endpoints/{name}`,
  `PUT .../{name}/config`, `PATCH .../{name}/tags`, `PUT .../{name}/ai-gateway`, and the
  query `POST /serving-endpoints/{name}/invocations` (no /api prefix, as the SDK calls it)
- Host metadata: `/.well-known/databricks-config` (the SDK probes it first)
- OAuth: `/oidc/.well-known/oauth-authorization-server` and `/oidc/v1/token`
  (client credentials and GitHub OIDC token exchange), so the SDK's
  `oauth-m2m` and `github-oidc` auth work against it too.

State is plain Python (`Workspace`) that a test seeds before and inspects
after; every request is recorded in `calls`.

Serving endpoints: a query of an endpoint that serves no model yet is refused
(400); otherwise the served "model" answers `{"predictions": [...]}`, one float
per `dataframe_split` row (the row's sum). `endpoint_responses` seeds a fault:
the body every query of that endpoint gets instead. On real Databricks the
job's rollout task points the endpoint at the champion version; here a run
that ends SUCCESS does it for every task whose parameters hold `--rollout
--endpoint NAME`: NAME then serves the model named by that task's `--catalog`,
`--schema` and `--model-name`, at its latest version in `model_versions` (1
when the fake holds none, as if training had just registered it and it passed
the gate). When NAME does not exist the run fails in that task, as the
rollout would. Errors use the Databricks error
body (`error_code`, `message`) and status, so the SDK raises its own
exceptions (NotFound, PermissionDenied, ...). Run it standalone with
`python -m tests.fakes.databricks --seed state.json` (prints its URL).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SDK_VERSION = "0.162.0"
FAKE_TOKEN = "dapi-fake-workspace-token"


class ApiError(Exception):
    """A Databricks REST error: HTTP status plus `error_code` and `message`."""

    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def not_found(message: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)


def bad_request(message: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)


@dataclass
class Outcome:
    """How runs of a job end: after `polls` reads of runs/get, or never when `state` is HANG."""

    state: str = "SUCCESS"  # SUCCESS, FAILED or HANG
    error: str = ""
    polls: int = 1


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Workspace:
    """Everything the fake workspace knows. Seed it directly; the server reads and writes it."""

    # token -> the identity that token authenticates (a user name or an SP application id)
    tokens: dict[str, str] = field(default_factory=lambda: {FAKE_TOKEN: "deployer@example.com"})
    # OAuth clients: client id -> secret (a secret of None accepts a GitHub OIDC token exchange)
    oauth_clients: dict[str, str | None] = field(default_factory=dict)
    # application id -> {"displayName": ..., "active": bool}
    service_principals: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalogs: set[str] = field(default_factory=set)
    schemas: set[str] = field(default_factory=set)  # full names catalog.schema
    schema_owners: dict[str, str] = field(default_factory=dict)  # full name -> owner (default: admins)
    # (securable type, full name) -> principal -> privileges granted directly there
    grants: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    node_types: list[str] = field(default_factory=list)
    spark_versions: list[str] = field(default_factory=list)
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)  # job id -> settings
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # job id -> how its runs end
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    task_errors: dict[int, str] = field(default_factory=dict)  # task run id -> error
    experiments: dict[str, str] = field(default_factory=dict)  # name -> id
    mlflow_runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # run id -> {experiment_id, tags}
    model_versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # full name -> versions
    # endpoint name -> {"name", "description", "tags", "ai_gateway", "served_entities": [...]}
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    # endpoint name -> the body every query of it answers instead of predictions (a fault)
    endpoint_responses: dict[str, Any] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)  # paths that answer 403 PERMISSION_DENIED
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    # --- seeding helpers -------------------------------------------------
    def add_service_principal(self, application_id: str, name: str = "", active: bool = True) -> None:
        self.service_principals[application_id] = {"displayName": name or application_id, "active": active}

    def grant(self, securable_type: str, full_name: str, principal: str, *privileges: str) -> None:
        """Privileges as the API names them (USE_CATALOG); SQL spelling (USE CATALOG) is accepted too."""
        key = (securable_type.lower(), full_name)
        names = {privilege.upper().replace(" ", "_") for privilege in privileges}
        self.grants.setdefault(key, {}).setdefault(principal, set()).update(names)

    def add_job(self, settings: dict[str, Any], outcome: Outcome | None = None) -> int:
        job_id = self.next_id()
        self.jobs[job_id] = settings
        if outcome is not None:
            self.outcomes[job_id] = outcome
        return job_id

    def add_job_run(self, job_id: int, result_state: str = "SUCCESS") -> int:
        """A finished run of `job_id`, as if it ran before the test."""
        run_id = self.next_id()
        self.runs[run_id] = self._run(job_id, run_id, "TERMINATED", result_state)
        return run_id

    def add_mlflow_run(self, experiment: str, tags: dict[str, str]) -> str:
        experiment_id = self.experiments.setdefault(experiment, str(self.next_id()))
        run_id = f"{self.next_id():032x}"
        self.mlflow_runs[run_id] = {"experiment_id": experiment_id, "tags": dict(tags)}
        return run_id

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

    def add_endpoint(self, name: str, *served_entities: dict[str, Any], **settings: Any) -> dict[str, Any]:
        """An endpoint as `bundle deploy` creates it (`settings`: description, tags, ai_gateway),
        serving `served_entities` ({"entity_name": ..., "entity_version": ...}) or nothing yet."""
        if name in self.endpoints:
            raise ApiError(
                HTTPStatus.CONFLICT, "RESOURCE_ALREADY_EXISTS", f"Endpoint with name '{name}' already exists."
            )
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

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and call.path == path]

    # --- behaviour -------------------------------------------------------
    def _run(self, job_id: int, run_id: int, life_cycle: str, result: str | None) -> dict[str, Any]:
        settings = self.jobs.get(job_id, {})
        tasks = [
            {"task_key": task.get("task_key", "main"), "run_id": self.next_id(), "state": {}}
            for task in settings.get("tasks") or [{"task_key": "main"}]
        ]
        run: dict[str, Any] = {
            "job_id": job_id,
            "run_id": run_id,
            "run_name": settings.get("name", ""),
            "run_page_url": f"{self.url}/jobs/{job_id}/runs/{run_id}",
            "state": {},
            "tasks": tasks,
            "polls": 0,
        }
        self._set_state(run, life_cycle, result, "")
        return run

    @staticmethod
    def _set_state(run: dict[str, Any], life_cycle: str, result: str | None, message: str) -> None:
        state: dict[str, Any] = {"life_cycle_state": life_cycle, "state_message": message}
        if result:
            state["result_state"] = result
        run["state"] = state
        for task in run["tasks"]:
            task["state"] = dict(state)

    def start_run(self, job_id: int) -> dict[str, Any]:
        if job_id not in self.jobs:
            raise not_found(f"Job {job_id} does not exist.")
        run = self._run(job_id, self.next_id(), "PENDING", None)
        self.runs[run["run_id"]] = run
        return run

    def advance(self, run: dict[str, Any]) -> None:
        """One runs/get: a run moves from PENDING to RUNNING to its outcome."""
        if run["state"]["life_cycle_state"] in ("TERMINATED", "INTERNAL_ERROR", "SKIPPED"):
            return
        outcome = self.outcomes.get(run["job_id"], Outcome())
        run["polls"] += 1
        if outcome.state == "HANG" or run["polls"] <= outcome.polls:
            self._set_state(run, "RUNNING", None, "In run")
            return
        if outcome.state == "FAILED":
            self._fail(run, run["tasks"][-1]["task_key"], outcome.error)
        elif self._roll_out(run):
            self._set_state(run, "TERMINATED", "SUCCESS", "")

    def _fail(self, run: dict[str, Any], task_key: str, error: str) -> None:
        """The run fails in `task_key`; the tasks before it succeeded, those after it never ran."""
        self._set_state(run, "TERMINATED", "FAILED", "")
        failed_at = [task["task_key"] for task in run["tasks"]].index(task_key)
        for index, task in enumerate(run["tasks"]):
            if index != failed_at:
                task["state"]["result_state"] = "SUCCESS" if index < failed_at else "UPSTREAM_FAILED"
        failing = run["tasks"][failed_at]
        failing["state"]["state_message"] = "Workload failed, see run output for details"
        self.task_errors[failing["run_id"]] = error

    def _roll_out(self, run: dict[str, Any]) -> bool:
        """Each rollout task of a successful run points its endpoint at the model; False when one cannot."""
        for task in self.jobs.get(run["job_id"], {}).get("tasks") or []:
            parameters = [str(p) for p in (task.get("python_wheel_task") or {}).get("parameters") or []]
            if "--rollout" not in parameters:
                continue
            flags = dict(itertools.pairwise(parameters))  # each flag -> the value after it
            model = f"{flags.get('--catalog')}.{flags.get('--schema')}.{flags.get('--model-name')}"
            versions = self.model_versions.get(model) or [{"version": 1}]
            entity = {
                "entity_name": model,
                "entity_version": versions[-1]["version"],
                "workload_size": flags.get("--workload-size", "Small"),
                "scale_to_zero_enabled": flags.get("--scale-to-zero", "true") == "true",
            }
            try:
                self.serve(flags.get("--endpoint", ""), [entity])
            except ApiError as error:
                self._fail(run, task.get("task_key", "main"), f"{error.code}: {error}")
                return False
        return True

    def cancel(self, run_id: int) -> None:
        run = self.runs.get(run_id)
        if run is None:
            raise not_found(f"Run {run_id} does not exist.")
        self._set_state(run, "TERMINATED", "CANCELED", "Run cancelled.")

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


Route = Callable[["Request"], Any]


@dataclass
class Request:
    workspace: Workspace
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    match: re.Match[str]
    identity: str


ROUTES: list[tuple[str, re.Pattern[str], Route]] = []


def route(method: str, pattern: str) -> Callable[[Route], Route]:
    def register(handler: Route) -> Route:
        ROUTES.append((method, re.compile(pattern + "$"), handler))
        return handler

    return register


# --- SCIM ---------------------------------------------------------------
@route("GET", r"/api/2.0/preview/scim/v2/Me")
def _me(request: Request) -> Any:
    sp = request.workspace.service_principals.get(request.identity)
    return {
        "id": str(abs(hash(request.identity)) % 10**12),
        "userName": request.identity,
        "displayName": sp["displayName"] if sp else request.identity,
        "active": True,
    }


@route("GET", r"/api/2.0/preview/scim/v2/ServicePrincipals")
def _service_principals(request: Request) -> Any:
    wanted = re.fullmatch(r'applicationId eq "?([^"]*)"?', request.query.get("filter", "").strip())
    resources = [
        {
            "id": str(index + 1),
            "applicationId": app_id,
            "displayName": sp["displayName"],
            "active": sp["active"],
        }
        for index, (app_id, sp) in enumerate(request.workspace.service_principals.items())
        if wanted is None or wanted.group(1) == app_id
    ]
    start = int(request.query.get("startIndex", "1"))
    page = resources[start - 1 : start - 1 + int(request.query.get("count", "100"))]
    return {"totalResults": len(resources), "startIndex": start, "itemsPerPage": len(page), "Resources": page}


# --- Unity Catalog ----------------------------------------------------------
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


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/versions")
def _model_versions(request: Request) -> Any:
    name = request.match["name"]
    if name not in request.workspace.model_versions:
        raise not_found(f"Registered model '{name}' does not exist.")
    return {"model_versions": request.workspace.model_versions[name]}


@route("GET", r"/api/2.1/unity-catalog/models/(?P<name>[^/]+)/versions/(?P<version>\d+)")
def _model_version(request: Request) -> Any:
    name, version = request.match["name"], int(request.match["version"])
    for found in request.workspace.model_versions.get(name, []):
        if found["version"] == version:
            return found
    raise not_found(f"Model version '{name}/{version}' does not exist.")


# --- Clusters -----------------------------------------------------------------
@route("GET", r"/api/2.1/clusters/list-node-types")
def _node_types(request: Request) -> Any:
    return {
        "node_types": [
            {
                "node_type_id": node,
                "memory_mb": 16384,
                "num_cores": 4.0,
                "description": node,
                "instance_type_id": node,
            }
            for node in request.workspace.node_types
        ]
    }


@route("GET", r"/api/2.1/clusters/spark-versions")
def _spark_versions(request: Request) -> Any:
    return {"versions": [{"key": key, "name": key} for key in request.workspace.spark_versions]}


# --- Jobs -----------------------------------------------------------------------
def _job(workspace: Workspace, job_id: int) -> dict[str, Any]:
    if job_id not in workspace.jobs:
        raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")
    settings = workspace.jobs[job_id]
    run_as = settings.get("run_as") or {}
    return {
        "job_id": job_id,
        "creator_user_name": "deployer@example.com",
        "run_as_user_name": run_as.get("service_principal_name")
        or run_as.get("user_name")
        or "deployer@example.com",
        "settings": settings,
    }


@route("GET", r"/api/2.2/jobs/list")
def _jobs_list(request: Request) -> Any:
    name = request.query.get("name")
    jobs = [
        _job(request.workspace, job_id)
        for job_id, settings in sorted(request.workspace.jobs.items())
        if name is None or settings.get("name") == name
    ]
    return {"jobs": jobs, "has_more": False} if jobs else {"has_more": False}


@route("GET", r"/api/2.2/jobs/get")
def _jobs_get(request: Request) -> Any:
    return _job(request.workspace, int(request.query["job_id"]))


@route("POST", r"/api/2.2/jobs/create")
def _jobs_create(request: Request) -> Any:
    return {"job_id": request.workspace.add_job(request.body)}


@route("POST", r"/api/2.2/jobs/reset")
def _jobs_reset(request: Request) -> Any:
    job_id = int(request.body["job_id"])
    _job(request.workspace, job_id)
    request.workspace.jobs[job_id] = request.body["new_settings"]
    return {}


@route("POST", r"/api/2.2/jobs/delete")
def _jobs_delete(request: Request) -> Any:
    job_id = int(request.body["job_id"])
    _job(request.workspace, job_id)
    del request.workspace.jobs[job_id]
    return {}


@route("POST", r"/api/2.2/jobs/run-now")
def _run_now(request: Request) -> Any:
    run = request.workspace.start_run(int(request.body["job_id"]))
    return {"run_id": run["run_id"], "number_in_job": run["run_id"]}


def _public_run(run: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in run.items() if key != "polls"}


@route("GET", r"/api/2.2/jobs/runs/get")
def _runs_get(request: Request) -> Any:
    run = request.workspace.runs.get(int(request.query["run_id"]))
    if run is None:
        raise not_found(f"Run {request.query['run_id']} does not exist.")
    request.workspace.advance(run)
    return _public_run(run)


@route("GET", r"/api/2.2/jobs/runs/get-output")
def _runs_output(request: Request) -> Any:
    run_id = int(request.query["run_id"])
    error = request.workspace.task_errors.get(run_id)
    return {"error": error, "metadata": {"run_id": run_id}} if error else {"metadata": {"run_id": run_id}}


@route("POST", r"/api/2.2/jobs/runs/cancel")
def _runs_cancel(request: Request) -> Any:
    request.workspace.cancel(int(request.body["run_id"]))
    return {}


# --- MLflow -------------------------------------------------------------------
@route("GET", r"/api/2.0/mlflow/experiments/get-by-name")
def _experiment_by_name(request: Request) -> Any:
    name = request.query.get("experiment_name", "")
    if name not in request.workspace.experiments:
        raise not_found(f"Could not find experiment with name '{name}'")
    return {"experiment": {"experiment_id": request.workspace.experiments[name], "name": name}}


def _mlflow_run(run_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "info": {"run_id": run_id, "experiment_id": stored["experiment_id"], "status": "FINISHED"},
        "data": {"tags": [{"key": key, "value": value} for key, value in stored["tags"].items()]},
    }


FILTER_TERM = re.compile(r"\s*tags\.`?([A-Za-z0-9_.]+)`?\s*(=|LIKE)\s*'([^']*)'\s*", re.IGNORECASE)


def _matches(tags: dict[str, str], expression: str) -> bool:
    """MLflow's search grammar, the part the product uses: `tags.k = 'v'` / `LIKE 'v%'` joined by AND."""
    if not expression.strip():
        return True
    for term in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE):
        parsed = FILTER_TERM.fullmatch(term)
        if parsed is None:
            raise bad_request(
                f"Invalid filter '{expression}' (the fake supports tags.<key> = | LIKE '<value>')"
            )
        key, operator, value = parsed[1], parsed[2].upper(), parsed[3]
        pattern = (
            ".*".join(re.escape(part) for part in value.split("%"))
            if operator == "LIKE"
            else re.escape(value)
        )
        if key not in tags or not re.fullmatch(pattern, tags[key]):
            return False
    return True


@route("POST", r"/api/2.0/mlflow/runs/search")
def _runs_search(request: Request) -> Any:
    experiments = set(request.body.get("experiment_ids") or [])
    expression = request.body.get("filter", "")
    runs = [
        _mlflow_run(run_id, stored)
        for run_id, stored in request.workspace.mlflow_runs.items()
        if stored["experiment_id"] in experiments and _matches(stored["tags"], expression)
    ]
    return {"runs": runs} if runs else {}


@route("GET", r"/api/2.0/mlflow/runs/get")
def _mlflow_runs_get(request: Request) -> Any:
    run_id = request.query.get("run_id", "")
    if run_id not in request.workspace.mlflow_runs:
        raise not_found(f"Run with id={run_id} not found")
    return {"run": _mlflow_run(run_id, request.workspace.mlflow_runs[run_id])}


# --- Serving endpoints -------------------------------------------------------------
def _endpoint(workspace: Workspace, name: str) -> dict[str, Any]:
    if name not in workspace.endpoints:
        raise not_found(f"Endpoint with name '{name}' does not exist.")
    return workspace.endpoints[name]


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
    return _endpoint_view(_endpoint(request.workspace, request.match["name"]))


@route("PUT", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/config")
def _endpoints_update_config(request: Request) -> Any:
    request.workspace.serve(request.match["name"], request.body.get("served_entities") or [])
    return _endpoint_view(_endpoint(request.workspace, request.match["name"]))


@route("PATCH", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/tags")
def _endpoints_tags(request: Request) -> Any:
    endpoint = _endpoint(request.workspace, request.match["name"])
    tags = {tag["key"]: tag.get("value") for tag in endpoint.get("tags") or []}
    for key in request.body.get("delete_tags") or []:
        tags.pop(key, None)
    tags.update({tag["key"]: tag.get("value") for tag in request.body.get("add_tags") or []})
    endpoint["tags"] = [{"key": key, "value": value} for key, value in tags.items()]
    return {"tags": endpoint["tags"]}


@route("PUT", r"/api/2.0/serving-endpoints/(?P<name>[^/]+)/ai-gateway")
def _endpoints_ai_gateway(request: Request) -> Any:
    endpoint = _endpoint(request.workspace, request.match["name"])
    endpoint["ai_gateway"] = request.body
    return request.body


@route("POST", r"/serving-endpoints/(?P<name>[^/]+)/invocations")
def _endpoints_query(request: Request) -> Any:
    """The served model: one float per `dataframe_split` row (its sum), or the seeded fault."""
    name = request.match["name"]
    if not _endpoint(request.workspace, name)["served_entities"]:
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


# --- OAuth ---------------------------------------------------------------------
@route("GET", r"/\.well-known/databricks-config")
def _host_metadata(request: Request) -> Any:
    return {"oidc_endpoint": f"{request.workspace.url}/oidc", "workspace_id": "1234567890"}


@route("GET", r"/oidc/\.well-known/oauth-authorization-server")
def _oidc_discovery(request: Request) -> Any:
    base = request.workspace.url
    return {
        "issuer": f"{base}/oidc",
        "authorization_endpoint": f"{base}/oidc/v1/authorize",
        "token_endpoint": f"{base}/oidc/v1/token",
    }


def _issue_token(workspace: Workspace, client_id: str) -> dict[str, Any]:
    token = f"fake-oauth-{workspace.next_id()}"
    workspace.tokens[token] = client_id
    return {"access_token": token, "token_type": "Bearer", "expires_in": 3600}


@route("POST", r"/oidc/v1/token")
def _token(request: Request) -> Any:
    body = request.body
    client_id = str(body.get("client_id", ""))
    secret = body.get("client_secret")
    if body.get("grant_type") == "client_credentials":
        if (
            client_id not in request.workspace.oauth_clients
            or request.workspace.oauth_clients[client_id] != secret
        ):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "invalid_client", "Client authentication failed")
        return _issue_token(request.workspace, client_id)
    if body.get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange":
        if client_id not in request.workspace.oauth_clients or not body.get("subject_token"):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "invalid_client", "No federation policy for this client")
        return _issue_token(request.workspace, client_id)
    raise bad_request(f"unsupported grant_type {body.get('grant_type')!r}")


@route("GET", r"/github-oidc-token")
def _github_id_token(request: Request) -> Any:
    """Stands in for the Actions runner's id-token service (ACTIONS_ID_TOKEN_REQUEST_URL)."""
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "repo:fake"}).encode()).decode().rstrip("=")
    return {"value": f"eyJhbGciOiJub25lIn0.{claims}.sig"}


UNAUTHENTICATED = ("/oidc/", "/github-oidc-token", "/.well-known/")


class _Handler(BaseHTTPRequestHandler):
    workspace: Workspace

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the calls are recorded in the workspace instead."""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = self._body(raw)
        self.workspace.calls.append(Call(self.command, path, query, body))
        try:
            identity = self._identity(path)
            if path in self.workspace.denied:
                raise ApiError(HTTPStatus.FORBIDDEN, "PERMISSION_DENIED", f"{identity} may not call {path}")
            for method, pattern, handler in ROUTES:
                match = pattern.fullmatch(path)
                if match and method == self.command:
                    self._reply(
                        HTTPStatus.OK,
                        handler(Request(self.workspace, method, path, query, body, match, identity)),
                    )
                    return
            raise ApiError(
                HTTPStatus.NOT_FOUND, "ENDPOINT_NOT_FOUND", f"No API found for '{self.command} {path}'"
            )
        except ApiError as error:
            if path.startswith("/oidc/"):  # OAuth endpoints answer in RFC 6749 form
                self._reply(error.status, {"error": error.code, "error_description": str(error)})
            else:
                self._reply(error.status, {"error_code": error.code, "message": str(error)})

    def _body(self, raw: bytes) -> dict[str, Any]:
        if not raw:
            return {}
        if "application/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                form.setdefault("client_id", client_id)
                form.setdefault("client_secret", secret)
            return form
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}

    def _identity(self, path: str) -> str:
        if path.startswith(UNAUTHENTICATED):
            return ""
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer ") or token not in self.workspace.tokens:
            raise ApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED", "Invalid access token.")
        return self.workspace.tokens[token]

    def _reply(self, status: HTTPStatus, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class FakeWorkspaceServer:
    """The server around a `Workspace`, on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, workspace: Workspace | None = None, port: int = 0) -> None:
        self.workspace = workspace or Workspace()
        handler = type("Handler", (_Handler,), {"workspace": self.workspace})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.workspace.url = self.url
        self.token = FAKE_TOKEN
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeWorkspaceServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()


def seed_healthy(
    workspace: Workspace, *, catalog: str, schema: str, principal: str, node_type: str, spark_version: str
) -> None:
    """A workspace where a project's preflight passes: `principal` is an active SP with every grant."""
    workspace.add_service_principal(principal, f"{catalog} deployer")
    workspace.tokens[FAKE_TOKEN] = principal
    workspace.catalogs.add(catalog)
    workspace.schemas.add(f"{catalog}.{schema}")
    workspace.grant("catalog", catalog, principal, "USE_CATALOG")
    workspace.grant("schema", f"{catalog}.{schema}", principal, "USE_SCHEMA", "CREATE_MODEL", "CREATE_TABLE")
    workspace.node_types.extend(["Standard_DS3_v2", node_type])
    workspace.spark_versions.extend(["14.3.x-scala2.12", spark_version])


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fake Databricks workspace (tests only).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=Path, help="JSON file with the initial state (see seed_from)")
    args = parser.parse_args(argv)
    server = FakeWorkspaceServer(port=args.port)
    if args.seed:
        seed_from(server.workspace, json.loads(args.seed.read_text(encoding="utf-8")))
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
