"""The one fake Databricks workspace: a stateful loopback HTTP server for tests. Never shipped.

Tests drive it through the real databricks-sdk (`WorkspaceClient(host=fake.url,
token=fake.token)`, or the SDK's environment), so requests, paths, query
strings and response shapes are the SDK's own. It follows databricks-sdk
0.162.0 (uv.lock) and the REST API versions that SDK calls. Each module holds
one concern's state (a dataclass `Workspace` combines) and its routes:

| module | endpoints |
|---|---|
| `identity.py` | SCIM Me, ServicePrincipals (with groups); host metadata; OAuth client credentials and GitHub OIDC token exchange |
| `catalog.py` | Unity Catalog catalogs, schemas, effective permissions, permissions PATCH |
| `tables.py` | Unity Catalog tables (get, exists) and their rows: an in-memory sqlite database that evaluates the SQL the product sends |
| `models.py` | Unity Catalog registered models: versions, aliases (set, get, delete, version by alias) |
| `model_tags.py` | model version tags through MLflow's Unity Catalog registry API (get with tags, set-tag, delete-tag) |
| `jobs.py` | Jobs 2.2 (list, get, create, reset, delete, run-now, runs get / get-output / cancel); cluster node types and Spark versions |
| `mlflow.py` | MLflow experiments get-by-name, runs search (tag filters, newest first) and get |
| `serving.py` | serving endpoints: create, get, config, tags, AI Gateway, query (`/serving-endpoints/{name}/invocations`) |
| `warehouses.py` | SQL warehouses (list, get), warehouse permissions (get, update, set), SQL statement execution (execute, get) |
| `alerts.py` | SQL alerts (AlertsV2 `/api/2.0/alerts`: create, get, list, update, trash); `evaluate` runs one as its schedule would |
| `monitors.py` | quality monitors (`tables/{table}/monitor`: create, get, update, delete) and their refreshes (run, list, get, cancel) |

`core.py` has what they share (errors, call log, ids, `@route`), `server.py`
the HTTP side. Errors use the Databricks error body (`error_code`, `message`)
and status, so the SDK raises its own exceptions (NotFound, PermissionDenied,
...). A test seeds `FakeWorkspaceServer().workspace` before and inspects it
(and `calls`, every request) after. Add a concern as a module with a state
dataclass deriving from `core.Core` and its `@route`s, and mix the state into
`Workspace`. Run it standalone with `python -m fakes.databricks --seed
state.json` (from tests/; prints its URL).
"""

from __future__ import annotations

from fakes.databricks.core import FAKE_TOKEN, SDK_VERSION, ApiError, Call
from fakes.databricks.jobs import Outcome
from fakes.databricks.server import FakeWorkspaceServer
from fakes.databricks.workspace import Workspace, seed_from, seed_healthy

__all__ = [
    "FAKE_TOKEN",
    "SDK_VERSION",
    "ApiError",
    "Call",
    "FakeWorkspaceServer",
    "Outcome",
    "Workspace",
    "seed_from",
    "seed_healthy",
]
