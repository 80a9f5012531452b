"""Run the deployed job once and wait for it: the end-to-end proof that a deploy works.

The run is cancelled when it outlives the timeout, so a hung smoke run never
keeps a cluster up; any final state other than SUCCESS fails, with the failing
task's own error. In a serving repo that run trains and then rolls out, so a
SUCCESS is followed by one query of the endpoint with the repo's
`serving_input.json`: it must answer one prediction per request row. The file
is read before the run, so a missing or broken one fails at once, not after it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service.jobs import Run, RunLifeCycleState, RunState
from databricks.sdk.service.serving import DataframeSplitInput

from goldenpath.console import progress
from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.deployed import deployed_endpoint_name, deployed_job_name, find_jobs, job_url
from goldenpath.databricks.findings import Finding, Report
from goldenpath.databricks.verify import check_single_job

FINAL = {RunLifeCycleState.TERMINATED, RunLifeCycleState.SKIPPED, RunLifeCycleState.INTERNAL_ERROR}
DURATION = re.compile(r"(?P<amount>\d+(?:\.\d+)?)(?P<unit>[smh]?)")
SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """`30m`, `90s`, `1h` or plain seconds."""
    parsed = DURATION.fullmatch(text.strip())
    if parsed is None or float(parsed["amount"]) <= 0:
        raise ValueError(f"{text!r} is not a duration; use e.g. 30m, 90s or 1h")
    return float(parsed["amount"]) * SECONDS[parsed["unit"]]


def smoke(
    client: WorkspaceClient,
    bundle: BundleTarget,
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    report = Report("smoke", bundle.target)
    try:
        serving = serving_request(bundle)
    except ServingInputError as exc:
        report.add(Finding("endpoint", False, str(exc), exc.fix))
        return report
    run_job(client, bundle, report, timeout, poll_interval, clock, sleep)
    if serving is not None and report.ok:
        endpoint, request = serving
        report.add(query_endpoint(client, deployed_endpoint_name(client, bundle, endpoint), request, report))
    return report


def serving_request(bundle: BundleTarget) -> tuple[str, DataframeSplitInput] | None:
    """A serving repo's endpoint and the request it must answer; None for a batch repo."""
    if bundle.endpoint_name is None:
        return None
    return bundle.endpoint_name, read_serving_input(bundle.serving_input)


def run_job(
    client: WorkspaceClient,
    bundle: BundleTarget,
    report: Report,
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    """Start the deployed job and wait for its end (or cancel it at the timeout)."""
    name = deployed_job_name(client, bundle)
    jobs = find_jobs(client, name)
    single = check_single_job(name, bundle.target, jobs)
    if not single.ok:
        report.add(single)
        return
    job_id = jobs[0].job_id or 0
    report.facts.update(job_id=job_id, job_url=job_url(client, job_id))
    run_id = client.jobs.run_now(job_id).run_id
    run = client.jobs.get_run(run_id)
    report.facts.update(run_id=run_id, run_url=run.run_page_url)
    progress(f"smoke run of {name}: {run.run_page_url}")
    started = clock()
    while not _finished(run):
        elapsed = clock() - started
        if elapsed >= timeout:
            client.jobs.cancel_run(run_id)
            report.add(
                Finding(
                    "run",
                    False,
                    f"run {run_id} did not finish within {timeout:g}s; it was cancelled ({run.run_page_url})",
                    "look at the run page; raise --timeout if the job is slow but healthy",
                )
            )
            report.facts["result"] = "TIMEOUT"
            return
        progress(f"  run {run_id}: {_state(run)} after {elapsed:.0f}s")
        sleep(poll_interval)
        run = client.jobs.get_run(run_id)
    report.add(run_finding(client, run))
    report.facts["result"] = _state(run)


def _finished(run: Run) -> bool:
    return run.state is not None and run.state.life_cycle_state in FINAL


def _state(run: Run) -> str:
    state = run.state
    if state is None:
        return "UNKNOWN"
    shown = state.result_state or state.life_cycle_state
    return shown.value if shown else "UNKNOWN"


def run_finding(client: WorkspaceClient, run: Run) -> Finding:
    """SUCCESS passes; anything else fails with the first failing task's error."""
    state = _state(run)
    if state == "SUCCESS":
        return Finding("run", True, f"run {run.run_id} succeeded ({run.run_page_url})")
    failing = [task for task in run.tasks or [] if task.state and _task_state(task.state) != "SUCCESS"]
    detail = ""
    if failing:
        task = failing[0]
        output = client.jobs.get_run_output(task.run_id) if task.run_id else None
        error = (output.error if output else None) or (task.state.state_message if task.state else None)
        detail = f"; task {task.task_key} failed: {error or 'no error message'}"
    return Finding(
        "run",
        False,
        f"run {run.run_id} ended {state}{detail} ({run.run_page_url})",
        "fix the error on the run page, then deploy again",
    )


def _task_state(state: RunState) -> str:
    return state.result_state.value if state.result_state else "UNKNOWN"


class ServingInputError(ValueError):
    """serving_input.json is missing or not a request the endpoint can take."""

    fix = (
        'keep serving_input.json at the repo root as {"dataframe_split": {"columns": [<feature>, ...], '
        '"data": [[<value>, ...], ...]}}, one row per request and a value per column; '
        "tests/test_serving.py checks it against the model"
    )


def read_serving_input(path: Path) -> DataframeSplitInput:
    """The request the endpoint must answer: an MLflow `dataframe_split` body with at least one row."""
    try:
        body: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServingInputError(f"{path} is missing: the smoke query sends it to the endpoint") from None
    except (OSError, ValueError) as exc:
        raise ServingInputError(f"{path} is not readable JSON: {exc}") from None
    split = body.get("dataframe_split") if isinstance(body, dict) else None
    columns = split.get("columns") if isinstance(split, dict) else None
    data = split.get("data") if isinstance(split, dict) else None
    if not (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)):
        raise ServingInputError(f"{path} has no dataframe_split.columns (a list of feature names)")
    if not (isinstance(data, list) and data):
        raise ServingInputError(f"{path} has no dataframe_split.data (a list of rows)")
    ragged = [
        index for index, row in enumerate(data) if not isinstance(row, list) or len(row) != len(columns)
    ]
    if ragged:
        raise ServingInputError(
            f"{path}: row {ragged[0]} of dataframe_split.data does not hold one value "
            f"for each of the {len(columns)} columns"
        )
    return DataframeSplitInput(columns=columns, data=data)


def query_endpoint(
    client: WorkspaceClient, name: str, request: DataframeSplitInput, report: Report
) -> Finding:
    """One query with the repo's request: the endpoint must answer one prediction per row."""
    url = endpoint_url(client, name)
    rows = len(request.data or [])
    report.facts.update(endpoint=name, endpoint_url=url)
    progress(f"querying endpoint {name} with {rows} rows of serving_input.json")
    try:
        response = client.serving_endpoints.query(name, dataframe_split=request)
    except DatabricksError as exc:
        return Finding(
            "endpoint",
            False,
            f"querying endpoint {name!r} failed: {exc.error_code or type(exc).__name__}: {exc}",
            f"open {url}: is it READY and serving the champion version? "
            "If not, read the rollout task on the smoke run's page",
        )
    predictions = response.predictions
    if isinstance(predictions, list):
        report.facts["predictions"] = len(predictions)
    if isinstance(predictions, list) and len(predictions) == rows:
        return Finding("endpoint", True, f"endpoint {name!r} answered {rows} predictions for {rows} rows")
    return Finding(
        "endpoint",
        False,
        f"endpoint {name!r} answered {_shape(predictions, response.as_dict())}, "
        f"expected 'predictions' with one entry for each of the {rows} rows of serving_input.json",
        "the served model must return one prediction per input row: check its signature "
        "and that serving_input.json holds its features (tests/test_serving.py), then redeploy",
    )


def endpoint_url(client: WorkspaceClient, name: str) -> str:
    return f"{(client.config.host or '').rstrip('/')}/ml/endpoints/{name}"


def _shape(predictions: Any, response: dict[str, Any]) -> str:
    if predictions is None:
        return f"no 'predictions' (response: {json.dumps(response)[:200]})"
    if not isinstance(predictions, list):
        return f"'predictions' that is a {type(predictions).__name__}, not a list"
    return f"{len(predictions)} predictions"
