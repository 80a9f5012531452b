"""Trace commit <-> job run <-> MLflow run <-> registered model version, from any one of them.

It relies only on what the generated pipeline already writes: every MLflow run
is tagged `git_sha`, `databricks_job_id` and `databricks_job_run_id`, and every
Unity Catalog model version records the MLflow run that logged it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.ml import Run as MlflowRun

from goldenpath.databricks.bundle import BundleTarget
from goldenpath.errors import UsageError

GIT_SHA = re.compile(r"[0-9a-f]{7,40}")
JOB_RUN_ID = re.compile(r"[0-9]+")
MODEL_VERSION = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)/(?P<version>[0-9]+)")
FULL_SHA_LENGTH = 40
SHA_TAG, JOB_TAG, JOB_RUN_TAG = "git_sha", "databricks_job_id", "databricks_job_run_id"


class TraceQueryError(UsageError):
    """The query is none of: a git sha, a job run id, a model name/version."""


@dataclass
class TraceLink:
    """One chain: the commit, the job run that ran it, its MLflow run and the model versions it registered."""

    git_sha: str | None
    job_id: str | None
    job_run_id: str | None
    job_run_state: str | None = None
    job_run_url: str | None = None
    mlflow_run_id: str | None = None
    experiment_id: str | None = None
    model_versions: list[str] = field(default_factory=list)


def classify(query: str) -> str:
    """`job-run` (all digits), `git-sha` (7-40 hex) or `model-version` (name/version)."""
    if JOB_RUN_ID.fullmatch(query):
        return "job-run"
    if GIT_SHA.fullmatch(query):
        return "git-sha"
    if MODEL_VERSION.fullmatch(query):
        return "model-version"
    raise TraceQueryError(
        f"{query!r} is not a git sha (7-40 hex digits), a job run id (digits) "
        "or a model version (<name>/<version>, e.g. acc_rtl.forecasting_demand_weekly.demand_weekly_model/3)"
    )


class Tracer:
    """Walks the links in the workspace for the project's targets (their experiments and models)."""

    def __init__(self, client: WorkspaceClient, bundles: list[BundleTarget]) -> None:
        self.client = client
        self.bundles = bundles
        self._versions: dict[str, list[tuple[str, str]]] = {}

    def trace(self, query: str) -> list[TraceLink]:
        kind = classify(query)
        if kind == "git-sha":
            operator = "=" if len(query) == FULL_SHA_LENGTH else "LIKE"
            value = query if operator == "=" else f"{query}%"
            runs = self._search(f"tags.{SHA_TAG} {operator} '{value}'")
        elif kind == "job-run":
            runs = self._search(f"tags.{JOB_RUN_TAG} = '{query}'")
            if not runs:
                return [self._job_run_only(query)]
        else:
            runs = self._from_model_version(query)
        return [self._link(run) for run in runs]

    def _experiment_ids(self) -> list[str]:
        ids = []
        for name in sorted({bundle.experiment for bundle in self.bundles if bundle.experiment}):
            try:
                experiment = self.client.experiments.get_by_name(name).experiment
            except NotFound:
                continue
            if experiment and experiment.experiment_id:
                ids.append(experiment.experiment_id)
        return ids

    def _search(self, expression: str) -> list[MlflowRun]:
        experiments = self._experiment_ids()
        if not experiments:
            return []
        return list(self.client.experiments.search_runs(experiment_ids=experiments, filter=expression))

    def _from_model_version(self, query: str) -> list[MlflowRun]:
        parsed = MODEL_VERSION.fullmatch(query)
        assert parsed is not None  # classify() accepted it
        name, version = parsed["name"], int(parsed["version"])
        candidates = [name] if name.count(".") == 2 else [b.model_full_name for b in self.bundles]
        for full_name in candidates:
            try:
                found = self.client.model_versions.get(full_name, version)
            except NotFound:
                continue
            if found.run_id:
                return [self.client.experiments.get_run(found.run_id).run or MlflowRun()]
        return []

    def _link(self, run: MlflowRun) -> TraceLink:
        tags = {tag.key: tag.value for tag in (run.data.tags if run.data else None) or [] if tag.key}
        run_id = run.info.run_id if run.info else None
        link = TraceLink(
            git_sha=tags.get(SHA_TAG),
            job_id=tags.get(JOB_TAG),
            job_run_id=tags.get(JOB_RUN_TAG),
            mlflow_run_id=run_id,
            experiment_id=run.info.experiment_id if run.info else None,
            model_versions=self._model_versions_of(run_id) if run_id else [],
        )
        if link.job_run_id:
            self._add_job_run(link)
        return link

    def _job_run_only(self, job_run_id: str) -> TraceLink:
        """A job run without an MLflow run (it failed before logging one): the chain stops there."""
        link = TraceLink(git_sha=None, job_id=None, job_run_id=job_run_id)
        self._add_job_run(link)
        return link

    def _add_job_run(self, link: TraceLink) -> None:
        try:
            run = self.client.jobs.get_run(int(link.job_run_id or 0))
        except NotFound:
            link.job_run_state = "not found"
            return
        state = run.state.result_state or run.state.life_cycle_state if run.state else None
        link.job_run_state = state.value if state else None
        link.job_run_url = run.run_page_url
        link.job_id = link.job_id or (str(run.job_id) if run.job_id else None)

    def _model_versions_of(self, run_id: str) -> list[str]:
        found = []
        for bundle in self.bundles:
            full_name = bundle.model_full_name
            if full_name not in self._versions:
                self._versions[full_name] = self._list_versions(full_name)
            found += [f"{full_name}/{version}" for version, run in self._versions[full_name] if run == run_id]
        return sorted(set(found))

    def _list_versions(self, full_name: str) -> list[tuple[str, str]]:
        try:
            versions = list(self.client.model_versions.list(full_name))
        except NotFound:
            return []
        return [(str(v.version), v.run_id) for v in versions if v.run_id]


def as_table(query: str, links: list[TraceLink]) -> str:
    if not links:
        return f"nothing in the workspace traces to {query}"
    header = ("git sha", "job run", "state", "mlflow run", "model versions")
    rows = [
        (
            (link.git_sha or "?")[:12],
            link.job_run_id or "-",
            link.job_run_state or "-",
            link.mlflow_run_id or "-",
            ", ".join(link.model_versions) or "-",
        )
        for link in links
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines += [f"job run {link.job_run_id}: {link.job_run_url}" for link in links if link.job_run_url]
    return "\n".join(lines)


def as_dict(query: str, links: list[TraceLink]) -> dict[str, Any]:
    return {"query": query, "kind": classify(query), "links": [asdict(link) for link in links]}
