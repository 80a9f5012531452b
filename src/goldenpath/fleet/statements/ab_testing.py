"""Section 7 of the assessment, A/B testing and feedback loop (58-60): what a repo shows of stored
inputs and outputs, its A/B tests and sticky assignment (docs/ab-testing.md is the contract).

A/B testing is the serving kind's: a batch repo stores its inputs and outputs
(the score task's predictions), and answers no requests to assign or to test
two models on, so 59 and 60 do not apply to it (and pass, saying so, as 41 does). Whether a test's traffic reached both variants and what its readout said
live in the workspace (the readout table, the model version tags):
`goldenpath ab status` shows them; the fleet sees the test's configuration and
its history on the default branch, which the deploy applies.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from goldenpath.ab_config import AB_FILE, READOUT_TASK, VARIABLES, AbFileError, parse_ab_file
from goldenpath.bundle import YamlFile
from goldenpath.fleet.facts import EXPERIMENT_WINDOW
from goldenpath.fleet.file_history import Version
from goldenpath.fleet.model import Evidence, Verdict
from goldenpath.fleet.statements.monitoring import logged_and_unpacked
from goldenpath.fleet.statements.resources import at_resource, dig, kind_evidence, task_evidence, tasks_of
from goldenpath.fleet.statements.subject import Subject, failing, passing, statement, valid_bundle
from goldenpath.naming import JOB_KEY, MONITORING_JOB_KEY, SCORE_TASK

# The experiment variables that make the assignment sticky: the key hashed, and the test's salt.
STICKY = ("key", "salt")


def inputs_outputs_stored(s: Subject) -> Verdict:
    """58: inputs and outputs are stored automatically: a serving repo logs every request and
    response (the inference table) and unpacks them (unpack_inference); a batch repo's score task
    writes each input row's features with its prediction."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    if s.serving:
        return logged_and_unpacked(s, bundle)
    score = task_evidence(s, bundle.declared("jobs"), SCORE_TASK)
    if score is None:
        return failing(
            f"no job has the {SCORE_TASK} task: no predictions are stored", kind_evidence(s, bundle)
        )
    return passing("the score task stores every input row's features with its prediction", score)


def tests_run(s: Subject) -> Verdict:
    """59: A/B tests run regularly: a serving repo's resources/ab.yml ran a test (a challenger in some
    target) within the last 90 days, as the file and its changes on the default branch show, and a job
    reads tests out (ab_readout)."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    if not s.serving:
        return passing(
            "a batch repo answers no requests to test two models on: A/B tests are the serving kind's",
            kind_evidence(s, bundle),
        )
    current = s.facts.files.get(AB_FILE)
    if current is None:
        return failing(f"no {AB_FILE}: the repo has no A/B test configuration")
    jobs = bundle.declared("jobs")
    readout = task_evidence(s, jobs, READOUT_TASK)
    if readout is None:
        return failing(
            f"no job has the {READOUT_TASK} task: a test would never be read out",
            *tasks_of(s, jobs, MONITORING_JOB_KEY),
        )
    history = s.facts.ab_history
    if history is None:
        return Verdict("unknown", f"the changes of {AB_FILE} could not be read", (readout,))
    for version in history.in_effect_since(s.facts.read_at - EXPERIMENT_WINDOW):
        found = _tests(version.text)
        if found:
            target, challenger = found[0]
            return passing(
                f"a test of version {challenger} ran in {target} within the last {EXPERIMENT_WINDOW.days} days",
                _test_evidence(s, version, current, target),
                readout,
            )
    if not history.complete:
        return Verdict(
            "unknown", f"{AB_FILE} changed more often than the scan reads, and no test was found", (readout,)
        )
    return failing(
        f"no A/B test ran in the last {EXPERIMENT_WINDOW.days} days", s.facts.file_evidence(AB_FILE), readout
    )


def assignment_sticky(s: Subject) -> Verdict:
    """60: the same customer sticks to the same model version: a serving repo's endpoint is rolled out
    with the test's key and salt (the router hashes each request's key), and no traffic_config splits
    requests at random; a batch repo answers no requests."""
    bundle = valid_bundle(s)
    if isinstance(bundle, Verdict):
        return bundle
    if not s.serving:
        return passing("a batch repo: it answers no requests to assign", kind_evidence(s, bundle))
    endpoints = bundle.declared("model_serving_endpoints")
    if not endpoints:
        return failing(
            "a serving repo whose bundle declares no model_serving_endpoints", kind_evidence(s, bundle)
        )
    for key, (file, endpoint) in endpoints.items():
        routes = dig(endpoint, "config", "traffic_config", "routes") or []
        if len(routes) > 1:
            return failing(
                f"endpoint {key} splits traffic per request at random (config.traffic_config.routes)",
                at_resource(s, file, "model_serving_endpoints", key, "config", "traffic_config"),
            )
    names = {str(endpoint.get("name")) for _, endpoint in endpoints.values() if endpoint.get("name")}
    flags = {f"--{VARIABLES[name].replace('_', '-')}": f"${{var.{VARIABLES[name]}}}" for name in STICKY}
    jobs = bundle.declared("jobs")
    passed = ", ".join(" ".join(pair) for pair in flags.items())
    for job_key, (file, job) in jobs.items():
        for task in job.get("tasks") or []:
            parameters = [str(p) for p in dig(task, "python_wheel_task", "parameters") or []]
            pairs = set(itertools.pairwise(parameters))
            if names & set(parameters) and all(pair in pairs for pair in flags.items()):
                rollout = task_evidence(s, {job_key: (file, job)}, str(task.get("task_key")))
                return passing(
                    "the rollout serves the router, which hashes each request's key with the test's salt",
                    replace(rollout, detail=f"{rollout.detail}: {passed}")
                    if rollout
                    else at_resource(s, file, "jobs", job_key, "tasks", detail=passed),
                )
    return failing(
        f"no task rolls the endpoint out with the test's {' and '.join(flags)}: "
        "its variants would not be assigned by key",
        *(tasks_of(s, jobs, JOB_KEY) or [kind_evidence(s, bundle)]),
    )


def _tests(text: str | None) -> list[tuple[str, str]]:
    """(target, challenger) of each test an ab.yml runs."""
    if not text:
        return []
    try:
        config = parse_ab_file(text, AB_FILE)
    except AbFileError:
        return []
    return [(t, config.values(t)["challenger"]) for t in sorted(config.targets) if config.running(t)]


def _test_evidence(s: Subject, version: Version, current: str, target: str) -> Evidence:
    """The test in the file as it is, at its line; else the commit that left it there."""
    if version.text == current:
        line = YamlFile.parse(AB_FILE, current).line("targets", target, "variables", VARIABLES["challenger"])
        return s.facts.file_evidence(AB_FILE, line, f"a test in {target}")
    when = f" ({version.date[:10]})" if version.date else " (in effect when the window began)"
    return Evidence(
        "api", f"GET commits?path={AB_FILE}", f"{version.commit[:12]}{when}: a test in {target}", version.url
    )


STATEMENTS = (
    statement((58,), "inputs and outputs stored", inputs_outputs_stored),
    statement((59,), "regular A/B tests", tests_run),
    statement((60,), "sticky assignment", assignment_sticky),
)
