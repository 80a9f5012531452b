"""MLflow 2.0: experiments get-by-name, runs search (tag filters, newest first) and get.

A run holds tags, params and metrics and a start time; search answers newest
first (`order_by` "attributes.start_time DESC", the only order the fake knows)
and honours `max_results`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fakes.databricks.core import Core, Request, bad_request, not_found, route

FILTER_TERM = re.compile(r"\s*tags\.`?([A-Za-z0-9_.]+)`?\s*(=|LIKE)\s*'([^']*)'\s*", re.IGNORECASE)
KNOWN_ORDER = re.compile(r"(attributes\.)?start_time\s+desc", re.IGNORECASE)


@dataclass
class MlflowState(Core):
    experiments: dict[str, str] = field(default_factory=dict)  # name -> id
    # run id -> {experiment_id, tags, params, metrics, start_time (ms)}
    mlflow_runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_mlflow_run(
        self,
        experiment: str,
        tags: dict[str, str],
        *,
        params: dict[str, str] | None = None,
        metrics: dict[str, float] | None = None,
        start_time: int | None = None,
    ) -> str:
        """A finished run; later runs start later unless `start_time` (epoch ms) says otherwise."""
        experiment_id = self.experiments.setdefault(experiment, str(self.next_id()))
        number = self.next_id()
        run_id = f"{number:032x}"
        self.mlflow_runs[run_id] = {
            "experiment_id": experiment_id,
            "tags": dict(tags),
            "params": dict(params or {}),
            "metrics": dict(metrics or {}),
            "start_time": start_time if start_time is not None else 1_700_000_000_000 + number * 1000,
        }
        return run_id


def _mlflow_run(run_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    start = stored.get("start_time", 0)
    return {
        "info": {
            "run_id": run_id,
            "experiment_id": stored["experiment_id"],
            "status": "FINISHED",
            "start_time": start,
            "end_time": start + 1000,
        },
        "data": {
            "tags": [{"key": key, "value": value} for key, value in stored["tags"].items()],
            "params": [{"key": key, "value": value} for key, value in stored.get("params", {}).items()],
            "metrics": [
                {"key": key, "value": value, "timestamp": start, "step": 0}
                for key, value in stored.get("metrics", {}).items()
            ],
        },
    }


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


@route("GET", r"/api/2.0/mlflow/experiments/get-by-name")
def _experiment_by_name(request: Request) -> Any:
    name = request.query.get("experiment_name", "")
    if name not in request.workspace.experiments:
        raise not_found(f"Could not find experiment with name '{name}'")
    return {"experiment": {"experiment_id": request.workspace.experiments[name], "name": name}}


@route("POST", r"/api/2.0/mlflow/runs/search")
def _runs_search(request: Request) -> Any:
    experiments = set(request.body.get("experiment_ids") or [])
    expression = request.body.get("filter", "")
    for order in request.body.get("order_by") or []:
        if not KNOWN_ORDER.fullmatch(str(order).strip()):
            raise bad_request(f"Invalid order_by '{order}' (the fake supports attributes.start_time DESC)")
    found = sorted(
        (
            (run_id, stored)
            for run_id, stored in request.workspace.mlflow_runs.items()
            if stored["experiment_id"] in experiments and _matches(stored["tags"], expression)
        ),
        key=lambda item: -int(item[1].get("start_time", 0)),
    )
    limit = int(request.body.get("max_results") or 1000)
    runs = [_mlflow_run(run_id, stored) for run_id, stored in found[:limit]]
    return {"runs": runs} if runs else {}


@route("GET", r"/api/2.0/mlflow/runs/get")
def _mlflow_runs_get(request: Request) -> Any:
    run_id = request.query.get("run_id", "")
    if run_id not in request.workspace.mlflow_runs:
        raise not_found(f"Run with id={run_id} not found")
    return {"run": _mlflow_run(run_id, request.workspace.mlflow_runs[run_id])}
