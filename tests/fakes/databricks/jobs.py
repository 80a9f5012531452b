"""Jobs 2.2 (list, get, create, reset, delete, run-now, runs get / get-output / cancel) and
the cluster facts a job names (Clusters 2.1: list-node-types, spark-versions).

A run moves PENDING -> RUNNING -> its `Outcome`, one step per runs/get. On
real Databricks a serving job's rollout task points the endpoint at the
champion version; here a run that ends SUCCESS does it for every task whose
parameters hold `--rollout --endpoint NAME`: NAME then serves the model named
by that task's `--catalog`, `--schema` and `--model-name`, at the version its
`champion` alias names, else its latest (1 when the fake holds none, as if
training had just registered it and it passed the gate). When NAME does not
exist the run fails in that task, as the rollout would.

With an A/B experiment (`--ab-challenger V`, another version than the
champion) it does what the generated rollout does: it registers the router as
a new version of the model, tagged `ab_router` and with the split, and serves
that with the split on the served entity's environment (`AB_CHAMPION_VERSION`,
`AB_CHALLENGER_VERSION`, ...). A split already served is left as it is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fakes.databricks.core import ApiError, Core, Request, not_found, route

if TYPE_CHECKING:
    from fakes.databricks.workspace import Workspace

FINISHED = ("TERMINATED", "INTERNAL_ERROR", "SKIPPED")


@dataclass
class Outcome:
    """How runs of a job end: after `polls` reads of runs/get, or never when `state` is HANG."""

    state: str = "SUCCESS"  # SUCCESS, FAILED or HANG
    error: str = ""
    polls: int = 1


@dataclass
class JobsState(Core):
    node_types: list[str] = field(default_factory=list)
    spark_versions: list[str] = field(default_factory=list)
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)  # job id -> settings
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # job id -> how its runs end
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    task_errors: dict[int, str] = field(default_factory=dict)  # task run id -> error

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
        set_state(run, life_cycle, result, "")
        return run

    def start_run(self, job_id: int) -> dict[str, Any]:
        if job_id not in self.jobs:
            raise not_found(f"Job {job_id} does not exist.")
        run = self._run(job_id, self.next_id(), "PENDING", None)
        self.runs[run["run_id"]] = run
        return run

    def cancel(self, run_id: int) -> None:
        run = self.runs.get(run_id)
        if run is None:
            raise not_found(f"Run {run_id} does not exist.")
        set_state(run, "TERMINATED", "CANCELED", "Run cancelled.")


def set_state(run: dict[str, Any], life_cycle: str, result: str | None, message: str) -> None:
    state: dict[str, Any] = {"life_cycle_state": life_cycle, "state_message": message}
    if result:
        state["result_state"] = result
    run["state"] = state
    for task in run["tasks"]:
        task["state"] = dict(state)


def advance(workspace: Workspace, run: dict[str, Any]) -> None:
    """One runs/get: a run moves from PENDING to RUNNING to its outcome."""
    if run["state"]["life_cycle_state"] in FINISHED:
        return
    outcome = workspace.outcomes.get(run["job_id"], Outcome())
    run["polls"] += 1
    if outcome.state == "HANG" or run["polls"] <= outcome.polls:
        set_state(run, "RUNNING", None, "In run")
        return
    if outcome.state == "FAILED":
        fail(workspace, run, run["tasks"][-1]["task_key"], outcome.error)
    elif roll_out(workspace, run):
        set_state(run, "TERMINATED", "SUCCESS", "")


def fail(workspace: Workspace, run: dict[str, Any], task_key: str, error: str) -> None:
    """The run fails in `task_key`; the tasks before it succeeded, those after it never ran."""
    set_state(run, "TERMINATED", "FAILED", "")
    failed_at = [task["task_key"] for task in run["tasks"]].index(task_key)
    for index, task in enumerate(run["tasks"]):
        if index != failed_at:
            task["state"]["result_state"] = "SUCCESS" if index < failed_at else "UPSTREAM_FAILED"
    failing = run["tasks"][failed_at]
    failing["state"]["state_message"] = "Workload failed, see run output for details"
    workspace.task_errors[failing["run_id"]] = error


def roll_out(workspace: Workspace, run: dict[str, Any]) -> bool:
    """Each rollout task of a successful run points its endpoint at the model; False when one cannot."""
    for task in workspace.jobs.get(run["job_id"], {}).get("tasks") or []:
        parameters = [str(p) for p in (task.get("python_wheel_task") or {}).get("parameters") or []]
        if "--rollout" not in parameters:
            continue
        flags = dict(itertools.pairwise(parameters))  # each flag -> the value after it
        model = f"{flags.get('--catalog')}.{flags.get('--schema')}.{flags.get('--model-name')}"
        versions = workspace.model_versions.get(model) or [{"version": 1}]
        champion = workspace.aliases.get(model, {}).get("champion", versions[-1]["version"])
        entity = {
            "entity_name": model,
            "entity_version": champion,
            "workload_size": flags.get("--workload-size", "Small"),
            "scale_to_zero_enabled": flags.get("--scale-to-zero", "true") == "true",
        }
        try:
            split = _split(flags, str(champion))
            if split is not None:
                entity.update(_router(workspace, model, flags.get("--endpoint", ""), split))
            workspace.serve(flags.get("--endpoint", ""), [entity])
        except ApiError as error:
            fail(workspace, run, task.get("task_key", "main"), f"{error.code}: {error}")
            return False
    return True


def _split(flags: dict[str, str], champion: str) -> dict[str, str] | None:
    """The experiment's split as the served entity's environment; None without an experiment."""
    challenger = flags.get("--ab-challenger", "")
    if not challenger or challenger == champion:
        return None
    return {
        "AB_CHAMPION_VERSION": champion,
        "AB_CHALLENGER_VERSION": challenger,
        "AB_CHALLENGER_PERCENT": flags.get("--ab-percent", ""),
        "AB_SALT": flags.get("--ab-salt", ""),
        "AB_KEY": flags.get("--ab-key") or "customer_id",
    }


def _router(workspace: Workspace, model: str, endpoint: str, split: dict[str, str]) -> dict[str, Any]:
    """The router version serving `split`: the one already served, or a new one registered now."""
    workspace.model_version(model, int(split["AB_CHALLENGER_VERSION"]))  # the rollout fails without it
    served = workspace.endpoint(endpoint)["served_entities"]
    if len(served) == 1 and served[0].get("environment_vars") == split:
        return {"entity_version": served[0]["entity_version"], "environment_vars": split}
    version = workspace.add_model_version(model, "ab-router")
    workspace.version_tags(model, version).update({"ab_router": "true", **split})
    return {"entity_version": version, "environment_vars": split}


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
    advance(request.workspace, run)
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
