"""After a deploy: prove the workspace holds exactly the job the bundle describes, for this commit.

The job is found by its name. There must be exactly one (a renamed bundle
leaves its old job behind under the same name), and it must carry every
required tag with the deployed values, run as the target's service principal,
and install this version of the package's wheel with the package's entry point.
The monitor, the drift alert and every job's notifications are checked by
`verify_monitoring`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.jobs import BaseJob, Job

from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.deployed import deployed_job_name, find_jobs, job_url
from goldenpath.databricks.findings import Finding, Report
from goldenpath.databricks.monitoring import monitoring_target
from goldenpath.databricks.verify_monitoring import verify_monitoring
from goldenpath.settings import Settings, load_settings

# PEP 427: {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl
WHEEL_FILE = re.compile(r"(?P<dist>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl")


def verify(
    client: WorkspaceClient,
    bundle: BundleTarget,
    git_sha: str,
    version: str,
    settings: Settings | None = None,
) -> Report:
    monitoring = monitoring_target(bundle, settings or load_settings())
    report = Report("verify", bundle.target)
    name = deployed_job_name(client, bundle)
    jobs = find_jobs(client, name)
    report.add(check_single_job(name, bundle.target, jobs))
    if jobs:
        _verify_job(client, bundle, report, jobs[0].job_id or 0, git_sha, version)
    verify_monitoring(client, bundle, monitoring, report)
    return report


def _verify_job(
    client: WorkspaceClient, bundle: BundleTarget, report: Report, job_id: int, git_sha: str, version: str
) -> None:
    name = deployed_job_name(client, bundle)
    job = client.jobs.get(job_id)
    report.facts.update(job_id=job_id, job_name=name, job_url=job_url(client, job_id))
    report.facts["tags"] = dict((job.settings.tags if job.settings else None) or {})
    report.facts["run_as"] = run_as_of(job)
    report.facts["version"] = version
    report.add(check_tags(job, bundle.expected_tags(git_sha)))
    if bundle.service_principal:
        report.add(check_run_as(job, bundle.service_principal))
    report.add(check_entry_point(job, bundle))
    report.add(check_wheel_version(job, bundle.package_name, version))


def check_single_job(name: str, target: str, jobs: list[BaseJob]) -> Finding:
    if not jobs:
        return Finding(
            "job",
            False,
            f"no job named {name!r} in the workspace",
            f"deploy first: databricks bundle deploy -t {target}",
        )
    if len(jobs) > 1:
        ids = [str(job.job_id) for job in jobs]
        stale = " && ".join(f"databricks jobs delete {job_id}" for job_id in ids[1:])
        return Finding(
            "job",
            False,
            f"{len(jobs)} jobs are named {name!r} (ids {', '.join(ids)}); a renamed bundle left a duplicate",
            f"keep the job this deploy updated and delete the others, e.g. {stale}",
        )
    return Finding("job", True, f"exactly one job named {name!r} (id {jobs[0].job_id})")


def check_tags(job: Job, expected: dict[str, str]) -> Finding:
    actual = (job.settings.tags if job.settings else None) or {}
    wrong = [
        f"{tag}={actual[tag]!r} (expected {value!r})"
        if tag in actual
        else f"{tag} missing (expected {value!r})"
        for tag, value in expected.items()
        if actual.get(tag) != value
    ]
    if wrong:
        return Finding(
            "tags",
            False,
            "job tags differ from the bundle: " + "; ".join(wrong),
            "redeploy this commit with the central deploy workflow (it sets git_sha); "
            "keep resources/*.yml tags as generated (goldenpath check-repo)",
        )
    return Finding("tags", True, ", ".join(f"{tag}={value}" for tag, value in expected.items()))


def run_as_of(job: Job) -> str | None:
    run_as = job.settings.run_as if job.settings else None
    if run_as and (run_as.service_principal_name or run_as.user_name):
        return run_as.service_principal_name or run_as.user_name
    return job.run_as_user_name


def check_run_as(job: Job, service_principal: str) -> Finding:
    actual = run_as_of(job)
    if actual != service_principal:
        return Finding(
            "run_as",
            False,
            f"job runs as {actual}, not the target's service principal {service_principal}",
            f"set run_as.service_principal_name: {service_principal} on the target in databricks.yml and redeploy",
        )
    return Finding("run_as", True, f"job runs as {service_principal}")


def _wheel_tasks(job: Job) -> list[tuple[str, str, list[str]]]:
    """(package, entry point, wheel library paths) of each python_wheel_task."""
    tasks = (job.settings.tasks if job.settings else None) or []
    return [
        (
            task.python_wheel_task.package_name,
            task.python_wheel_task.entry_point,
            [library.whl for library in task.libraries or [] if library.whl],
        )
        for task in tasks
        if task.python_wheel_task
    ]


def check_entry_point(job: Job, bundle: BundleTarget) -> Finding:
    """Every wheel task runs the package's entry point (a serving job has two: train, then roll out)."""
    expected = (bundle.package_name, bundle.entry_point)
    found = [(package, entry) for package, entry, _ in _wheel_tasks(job)]
    if not found or any(task != expected for task in found):
        shown = ", ".join(f"{p}:{e}" for p, e in found) or "no python_wheel_task"
        return Finding(
            "entry-point",
            False,
            f"job runs {shown}, expected {expected[0]}:{expected[1]}",
            "keep the python_wheel_task in resources/*.yml as generated and redeploy",
        )
    tasks = "wheel task runs" if len(found) == 1 else f"{len(found)} wheel tasks run"
    return Finding("entry-point", True, f"{tasks} {expected[0]}:{expected[1]}")


def check_wheel_version(job: Job, package: str, version: str) -> Finding:
    wheels = [path for _, _, paths in _wheel_tasks(job) for path in paths]
    versions = {}
    for path in wheels:
        parsed = WHEEL_FILE.fullmatch(PurePosixPath(path).name)
        if parsed and parsed["dist"].lower() == package.lower():
            versions[path] = parsed["version"]
    if not versions:
        return Finding(
            "wheel",
            False,
            f"no {package} wheel among the job's libraries ({', '.join(wheels) or 'none'})",
            "keep `libraries: - whl: ../dist/*.whl` in resources/*.yml and redeploy",
        )
    wrong = {path: found for path, found in versions.items() if found != version}
    if wrong:
        shown = ", ".join(f"{PurePosixPath(p).name} ({v})" for p, v in wrong.items())
        return Finding(
            "wheel",
            False,
            f"job installs {shown}, expected version {version}",
            f"redeploy version {version} (poetry version; databricks bundle deploy builds the wheel)",
        )
    return Finding("wheel", True, f"job installs {package} {version}")
