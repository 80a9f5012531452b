"""Section 4 of the assessment, monitoring and support (39-46): cost, alerts, logging, delivery, the
monitor and the drift alert, read from the bundle the repo deploys (docs/monitoring.md is the contract).

The names come from where the template takes them: task keys and columns from
`goldenpath.naming`, tables from the repo's `DerivedNames`; a table is matched
by its name in the schema, wherever a target puts the schema. 44 (a KPI
feedback loop) and 46 (outliers reviewed) stay with people: `MANUAL_WHY` says why.
"""

from __future__ import annotations

from typing import Any

from goldenpath.bundle import DURATION_METRIC, JOB_EVENTS, Bundle, line_of
from goldenpath.fleet.model import Verdict
from goldenpath.fleet.statements.resources import (
    at_resource,
    declared_jobs,
    dig,
    kind_evidence,
    task_evidence,
    tasks_of,
)
from goldenpath.fleet.statements.subject import (
    Subject,
    bundle_jobs,
    failing,
    job_tags,
    passing,
    statement,
    valid_bundle,
)
from goldenpath.naming import JOB_KEY, MONITOR_COLUMNS, MONITORING_JOB_KEY, SCORE_TASK, UNPACK_TASK

FAILURE, LATE = JOB_EVENTS
# The monitor's inference_log fields and the columns the generated code writes for them.
PROFILE_FIELDS = {
    "prediction_col": MONITOR_COLUMNS.prediction,
    "model_id_col": MONITOR_COLUMNS.model_version,
    "timestamp_col": MONITOR_COLUMNS.timestamp,
    "label_col": MONITOR_COLUMNS.label,
}
MANUAL_WHY = {
    44: "a KPI feedback loop joins the business outcome to each prediction (by "
    f"`{MONITOR_COLUMNS.row_id}`) and acts on it; the KPI lives in the business's systems, "
    "which neither the repo nor GitHub shows",
    46: "reviewing outliers and low-certainty predictions is work people do (a queue, a sample, "
    "a sign-off); nothing in the repo or GitHub shows that it happens",
}


def cost_tracked(s: Subject) -> Verdict:
    """39: cost is tracked: every job carries team and cost_center tags."""
    jobs = bundle_jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (path, job) in jobs.items():
        tags = job_tags(job)
        missing = [tag for tag in ("team", "cost_center") if not tags.get(tag)]
        text = s.facts.files.get(path, "")
        if missing:
            return failing(
                f"job {key} has no {' or '.join(missing)} tag",
                s.facts.file_evidence(path, line_of(text, key)),
            )
        evidence.append(
            s.facts.file_evidence(
                path,
                line_of(text, "cost_center:"),
                f"job {key}: team={tags['team']}, cost_center={tags['cost_center']}",
            )
        )
    return passing("every job carries team and cost_center tags", *evidence)


def health_alerts(s: Subject) -> Verdict:
    """40: infrastructure health is alerted on: every job notifies someone of a failed run
    (email_notifications or webhook_notifications on_failure)."""
    jobs = declared_jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (file, job) in jobs.items():
        found, where = _recipients(job, FAILURE)
        if where is None:
            return failing(
                f"job {key} notifies nobody of a failed run ({FAILURE})", at_resource(s, file, "jobs", key)
            )
        evidence.append(
            at_resource(s, file, "jobs", key, where, FAILURE, detail=f"job {key}: {', '.join(found)}")
        )
    return passing("every job alerts its team when a run fails", *evidence)


def requests_logged(s: Subject) -> Verdict:
    """41: API requests and responses are logged: every serving endpoint writes its AI Gateway
    inference table and a job task unpacks it (unpack_inference: status code and latency per
    request); a batch repo serves no API."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    if not s.serving:
        return passing(
            "a batch repo: it serves no API, so there are no requests to log", kind_evidence(s, bundle)
        )
    return logged_and_unpacked(s, bundle)


def logged_and_unpacked(s: Subject, bundle: Bundle) -> Verdict:
    """A serving repo's requests and responses: every endpoint writes its inference table, a job unpacks it."""
    endpoints = bundle.declared("model_serving_endpoints")
    if not endpoints:
        return failing(
            "a serving repo whose bundle declares no model_serving_endpoints", kind_evidence(s, bundle)
        )
    evidence = []
    keys = ("ai_gateway", "inference_table_config", "enabled")
    for key, (file, endpoint) in endpoints.items():
        where = ("model_serving_endpoints", key, *keys)
        if dig(endpoint, *keys) is not True:
            return failing(
                f"endpoint {key} logs no requests ({'.'.join(keys)} is not true)",
                at_resource(s, file, *where),
            )
        evidence.append(at_resource(s, file, *where, detail=f"endpoint {key} writes its inference table"))
    jobs = bundle.declared("jobs")
    unpack = task_evidence(s, jobs, UNPACK_TASK)
    if unpack is None:
        return failing(
            f"no job has the {UNPACK_TASK} task: the logged requests are not unpacked",
            *evidence,
            *tasks_of(s, jobs, MONITORING_JOB_KEY),
        )
    return passing("every request and response is logged, then unpacked", *evidence, unpack)


def delivery_watched(s: Subject) -> Verdict:
    """42: batch delivery is watched: every job has a RUN_DURATION_SECONDS health rule that warns
    someone (on_duration_warning_threshold_exceeded), and in a batch repo the score task
    delivers the predictions."""
    jobs = declared_jobs(s)
    if isinstance(jobs, Verdict):
        return jobs
    evidence = []
    for key, (file, job) in jobs.items():
        rules = dig(job, "health", "rules") or []
        if not any(isinstance(rule, dict) and rule.get("metric") == DURATION_METRIC for rule in rules):
            return failing(
                f"job {key} has no {DURATION_METRIC} health rule", at_resource(s, file, "jobs", key)
            )
        warned, where = _recipients(job, LATE)
        if where is None:
            return failing(
                f"job {key} warns nobody of an overlong run ({LATE})", at_resource(s, file, "jobs", key)
            )
        detail = f"job {key}: {DURATION_METRIC}, warns {', '.join(warned)}"
        evidence.append(at_resource(s, file, "jobs", key, "health", detail=detail))
    if s.serving:
        return passing("every job warns its team of a run that runs late", *evidence)
    score = task_evidence(s, jobs, SCORE_TASK)
    if score is None:
        return failing(
            f"no job has the {SCORE_TASK} task that delivers the predictions",
            *tasks_of(s, jobs, JOB_KEY),
            *evidence,
        )
    return passing(
        "the score task delivers, and every job warns its team of a run that runs late", score, *evidence
    )


def metrics_monitored(s: Subject) -> Verdict:
    """43: offline metrics are stored and monitored: a Lakehouse monitor on the table the code
    writes (predictions, or the unpacked inference), with an inference_log profile of the
    code's columns, the baseline table and a refresh schedule."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    monitors = bundle.declared("quality_monitors")
    if not monitors:
        return failing("the bundle declares no quality_monitors: no metrics are computed or stored")
    if s.names is None:
        return _names_unknown(s)
    table, baseline = s.names.monitored_table(s.serving), s.names.baseline_table
    watching = [
        (key, file, body) for key, (file, body) in monitors.items() if _table(body, "table_name") == table
    ]
    if not watching:
        key, (file, _) = next(iter(monitors.items()))
        return failing(
            f"no monitor watches {table}", at_resource(s, file, "quality_monitors", key, "table_name")
        )
    key, file, monitor = watching[0]
    keys = ("quality_monitors", key)
    wrong = [
        field for field, column in PROFILE_FIELDS.items() if dig(monitor, "inference_log", field) != column
    ]
    if wrong:
        return failing(
            f"monitor {key}'s inference_log does not name the code's columns ({', '.join(wrong)})",
            at_resource(s, file, *keys, "inference_log", wrong[0]),
        )
    if _table(monitor, "baseline_table_name") != baseline:
        return failing(
            f"monitor {key} does not compare with the baseline {baseline}", at_resource(s, file, *keys)
        )
    if not dig(monitor, "schedule", "quartz_cron_expression"):
        return failing(f"monitor {key} has no refresh schedule", at_resource(s, file, *keys))
    return passing(
        f"monitor {key} profiles {table} against {baseline} on a schedule",
        at_resource(s, file, *keys, "table_name", detail=f"monitors {table}"),
        at_resource(s, file, *keys, "inference_log", detail="inference_log of the columns the code writes"),
        at_resource(s, file, *keys, "baseline_table_name", detail=f"baseline {baseline}"),
        at_resource(s, file, *keys, "schedule", detail="refresh schedule"),
    )


def drift_alerted(s: Subject) -> Verdict:
    """45: feature drift alerts someone: a SQL alert on the monitor's drift metrics with at least
    one subscription (a notification destination or an email)."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    alerts = bundle.declared("alerts")
    if not alerts:
        return failing("the bundle declares no alerts: drift alerts nobody")
    if s.names is None:
        return _names_unknown(s)
    table = s.names.drift_metrics_table(s.serving)
    reading = [
        (key, file, body) for key, (file, body) in alerts.items() if table in str(body.get("query_text"))
    ]
    if not reading:
        key, (file, _) = next(iter(alerts.items()))
        return failing(
            f"no alert queries the drift metrics {table}", at_resource(s, file, "alerts", key, "query_text")
        )
    subscriptions = ("evaluation", "notification", "subscriptions")
    for key, file, alert in reading:
        subscribers = [
            str(sub.get("destination_id") or sub.get("user_email"))
            for sub in dig(alert, *subscriptions) or []
            if isinstance(sub, dict) and (sub.get("destination_id") or sub.get("user_email"))
        ]
        if subscribers:
            return passing(
                f"alert {key} on {table} notifies {len(subscribers)} subscriber(s)",
                at_resource(s, file, "alerts", key, "query_text", detail=f"queries {table}"),
                at_resource(s, file, "alerts", key, *subscriptions, detail=", ".join(subscribers)),
            )
    key, file, _ = reading[0]
    return failing(
        f"alert {key} on {table} notifies nobody", at_resource(s, file, "alerts", key, "evaluation")
    )


def _recipients(job: dict[str, Any], event: str) -> tuple[list[str], str | None]:
    """Who hears of `event`: emails and webhook destinations, and the setting that names the first."""
    emails = [str(email) for email in dig(job, "email_notifications", event) or [] if email]
    hooks = [
        str(hook["id"])
        for hook in dig(job, "webhook_notifications", event) or []
        if isinstance(hook, dict) and hook.get("id")
    ]
    where = "email_notifications" if emails else "webhook_notifications" if hooks else None
    return emails + hooks, where


def _names_unknown(s: Subject) -> Verdict:
    return Verdict(
        "unknown",
        f"{s.repo_name!r} is not a repository name goldenpath derives table names from, "
        "so the tables its code writes are not known",
    )


def _table(body: dict[str, Any], field: str) -> str:
    """A table's name in its schema: `${var.catalog}.${var.schema}.x_predictions` is `x_predictions`."""
    return str(body.get(field) or "").rsplit(".", 1)[-1]


STATEMENTS = (
    statement((39,), "cost tracking", cost_tracked),
    statement((40,), "infrastructure health alerts", health_alerts),
    statement((41,), "requests and responses logged", requests_logged),
    statement((42,), "batch delivery watched", delivery_watched),
    statement((43,), "offline metrics monitored", metrics_monitored),
    statement((45,), "feature drift alerts", drift_alerted),
)
