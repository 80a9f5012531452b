"""What a generated repo's bundle says one target deploys: the expectations every check compares with.

Read through `goldenpath.bundle` (the Databricks CLI's `include:` rules and
target merge) and resolved the way the CLI resolves values (`${var.*}` from
the target's override, then the default; `${bundle.*}`), so the checks compare
the workspace with exactly what `bundle deploy` writes. The job is the
resource under `naming.JOB_KEY`; its tags are `naming.REQUIRED_TAGS`. A
serving repo also declares one Model Serving endpoint and keeps the request
the smoke step sends it in `SERVING_INPUT_FILE` at the repo root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.bundle import BUNDLE_FILE, Bundle, Target, checkout_files, flag_value, read_bundle
from goldenpath.errors import UsageError
from goldenpath.naming import ENDPOINT_KEY, JOB_KEY, REQUIRED_TAGS

# A serving repo's example request ({"dataframe_split": ...}); the template's file has this name.
SERVING_INPUT_FILE = "serving_input.json"
DEPLOY_VARIABLES = ("git_sha", "package_version")  # set with --var by the central deploy
REFERENCE = re.compile(r"\$\{(var|bundle)\.([A-Za-z0-9_-]+)\}")


class BundleError(UsageError):
    """The repo has no readable bundle, or not the target asked for: a usage/config error."""


@dataclass(frozen=True)
class BundleTarget:
    """One target of the bundle, with every value resolved."""

    root: Path
    name: str  # bundle name = repo name = project tag
    target: str
    host: str | None
    development: bool
    service_principal: str | None  # run_as application id; None for a developer's own copy
    catalog: str
    schema: str
    model_name: str
    job_name: str
    tags: dict[str, str]  # git_sha still as ${var.git_sha}: it is given per deploy
    node_types: tuple[str, ...]
    spark_versions: tuple[str, ...]
    package_name: str
    entry_point: str
    experiment: str | None
    endpoint_name: str | None  # the Model Serving endpoint; None for a batch repo

    @property
    def serving_input(self) -> Path:
        """Where a serving repo keeps the request its endpoint must answer."""
        return self.root / SERVING_INPUT_FILE

    @property
    def schema_full_name(self) -> str:
        return f"{self.catalog}.{self.schema}"

    @property
    def model_full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.model_name}"

    def expected_tags(self, git_sha: str) -> dict[str, str]:
        """Required tags as a deploy of `git_sha` must set them: the bundle's values, and
        always this commit, this target and this project, whatever the files say."""
        fixed = {"git_sha": git_sha, "env": self.target, "project": self.name}
        return {tag: fixed.get(tag, self.tags.get(tag, "")) for tag in REQUIRED_TAGS}


def target_names(root: str | Path) -> list[str]:
    """Every target of the bundle in `root`, in file order."""
    targets = list(_read(Path(root)).targets)
    if not targets:
        raise BundleError(
            f"{Path(root) / BUNDLE_FILE} declares no targets", "add the targets of the template"
        )
    return targets


def load_bundle(root: str | Path, target: str | None) -> BundleTarget:
    """The bundle in `root` for `target` (None: the target marked `default`)."""
    root = Path(root)
    bundle = _read(root)
    targets = bundle.targets
    if target is None:
        target = bundle.default_target
        if target is None:
            raise BundleError(f"{root / BUNDLE_FILE} marks no default target", "pass --target")
    if target not in targets:
        raise BundleError(
            f"target {target!r} is not in {root / BUNDLE_FILE}", f"choose one of {', '.join(targets)}"
        )
    merged = bundle.target(target)
    values = _values(bundle, merged)

    def resolve(value: Any) -> str:
        return REFERENCE.sub(lambda m: values.get(f"{m[1]}.{m[2]}", m[0]), str(value))

    jobs = merged.resources("jobs")
    if JOB_KEY not in jobs:
        files = ", ".join(file.path for file in bundle.files)
        raise BundleError(
            f"no job resource {JOB_KEY!r} in {files}", "keep the job of the template under this key"
        )
    job = jobs[JOB_KEY]
    endpoint = _endpoint(merged.resources("model_serving_endpoints"))
    tasks: list[dict[str, Any]] = job.get("tasks") or []
    wheel = next((task["python_wheel_task"] for task in tasks if task.get("python_wheel_task")), None)
    if wheel is None:
        raise BundleError(
            f"job resource {JOB_KEY!r} has no python_wheel_task", "keep the task of the template"
        )
    clusters = [c.get("new_cluster") or {} for c in job.get("job_clusters") or []]
    parameters = [resolve(p) for p in wheel.get("parameters") or []]
    return BundleTarget(
        root=root,
        name=bundle.name,
        target=target,
        host=merged.host,
        development=merged.development,
        service_principal=merged.run_as.get("service_principal_name"),
        catalog=values.get("var.catalog", ""),
        schema=values.get("var.schema", ""),
        model_name=values.get("var.model_name", ""),
        job_name=resolve(job.get("name", "")),
        tags={str(key): resolve(value) for key, value in (job.get("tags") or {}).items()},
        node_types=tuple(sorted({str(c["node_type_id"]) for c in clusters if c.get("node_type_id")})),
        spark_versions=tuple(sorted({str(c["spark_version"]) for c in clusters if c.get("spark_version")})),
        package_name=str(wheel.get("package_name", "")),
        entry_point=str(wheel.get("entry_point", "")),
        experiment=flag_value(parameters, "--experiment"),
        endpoint_name=resolve(endpoint.get("name", "")) if endpoint is not None else None,
    )


def target_resources(root: str | Path, target: str, kind: str) -> dict[str, Any]:
    """Every resource of one kind the target deploys (`alerts`, `quality_monitors`, ...) by key, with
    `${var.*}` and `${bundle.*}` resolved at any depth (other references stay as written)."""
    bundle = _read(Path(root))
    if target not in bundle.targets:
        raise BundleError(
            f"target {target!r} is not in {Path(root) / BUNDLE_FILE}",
            f"choose one of {', '.join(bundle.targets)}",
        )
    merged = bundle.target(target)
    values = _values(bundle, merged)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if isinstance(node, str):
            return REFERENCE.sub(lambda m: values.get(f"{m[1]}.{m[2]}", m[0]), node)
        return node

    return {key: resolve(body) for key, body in merged.resources(kind).items()}


def _values(bundle: Bundle, merged: Target) -> dict[str, str]:
    """`${bundle.*}` and `${var.*}` as the CLI resolves them; the per-deploy variables stay unresolved."""
    values = {"bundle.name": bundle.name, "bundle.target": merged.name}
    values |= {
        f"var.{name}": value for name, value in merged.variables.items() if name not in DEPLOY_VARIABLES
    }
    return values


def _read(root: Path) -> Bundle:
    bundle = read_bundle(checkout_files(root))
    if bundle is None:
        raise BundleError(f"no {BUNDLE_FILE} in {root}", "run this in a generated repository, or pass --path")
    if bundle.problems:
        raise BundleError(
            bundle.problems[0], "fix the bundle files (databricks bundle validate says the same)"
        )
    return bundle


def _endpoint(endpoints: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The serving endpoint: the only one, or the one under `ENDPOINT_KEY`; None when there is none."""
    if len(endpoints) <= 1 or ENDPOINT_KEY in endpoints:
        return endpoints.get(ENDPOINT_KEY, next(iter(endpoints.values()), None))
    raise BundleError(
        f"the bundle declares {len(endpoints)} model serving endpoints ({', '.join(endpoints)})",
        f"keep the project's endpoint under resources.model_serving_endpoints.{ENDPOINT_KEY}",
    )
