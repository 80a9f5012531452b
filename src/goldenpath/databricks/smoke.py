"""Run the deployed job once and wait for it: the end-to-end proof that a deploy works.

The run is cancelled when it outlives the timeout, so a hung smoke run never
keeps a cluster up; any final state other than SUCCESS fails, with the failing
task's own error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.jobs import Run, RunLifeCycleState, RunState

from goldenpath.console import progress
from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.findings import Finding, Report
from goldenpath.databricks.verify import check_single_job, deployed_job_name, find_jobs, job_url

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
    name = deployed_job_name(client, bundle)
    jobs = find_jobs(client, name)
    single = check_single_job(name, bundle.target, jobs)
    if not single.ok:
        report.add(single)
        return report
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
            return report
        progress(f"  run {run_id}: {_state(run)} after {elapsed:.0f}s")
        sleep(poll_interval)
        run = client.jobs.get_run(run_id)
    report.add(run_finding(client, run))
    report.facts["result"] = _state(run)
    return report


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
