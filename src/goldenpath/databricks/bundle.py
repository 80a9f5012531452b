"""What a generated repo's bundle says one target deploys: the expectations every check compares with.

Read from `databricks.yml` and `resources/*.yml` the way the Databricks CLI
resolves them (`${var.*}` from target overrides, then defaults, `${bundle.*}`),
so the checks compare the workspace with exactly what `bundle deploy` writes.
The job is the resource under `naming.JOB_KEY`; its tags are `naming.REQUIRED_TAGS`.
A serving repo also declares one Model Serving endpoint and keeps the request
the smoke step sends it in `SERVING_INPUT_FILE` at the repo root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from goldenpath.naming import ENDPOINT_KEY, JOB_KEY, REQUIRED_TAGS
from goldenpath.repo_check import flag_value

BUNDLE_FILE = "databricks.yml"
# A serving repo's example request ({"dataframe_split": ...}); the template's file has this name.
SERVING_INPUT_FILE = "serving_input.json"
DEPLOY_VARIABLES = ("git_sha", "package_version")  # set with --var by the central deploy
REFERENCE = re.compile(r"\$\{(var|bundle)\.([A-Za-z0-9_-]+)\}")


class BundleError(ValueError):
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
    targets = list(_yaml(Path(root) / BUNDLE_FILE).get("targets") or {})
    if not targets:
        raise BundleError(f"{Path(root) / BUNDLE_FILE} declares no targets")
    return targets


def load_bundle(root: str | Path, target: str | None) -> BundleTarget:
    """The bundle in `root` for `target` (None: the target marked `default`)."""
    root = Path(root)
    config = _yaml(root / BUNDLE_FILE)
    targets: dict[str, Any] = config.get("targets") or {}
    if target is None:
        target = next((name for name, body in targets.items() if (body or {}).get("default")), None)
        if target is None:
            raise BundleError(f"{root / BUNDLE_FILE} marks no default target; pass --target")
    if target not in targets:
        raise BundleError(
            f"target {target!r} is not in {root / BUNDLE_FILE}; choose one of {', '.join(targets)}"
        )
    body: dict[str, Any] = targets[target] or {}
    name = str((config.get("bundle") or {}).get("name", ""))
    values = _variables(config, body, name, target)
    documents = _documents(root, config)
    job = _job(documents)
    endpoint = _endpoint(documents)

    def resolve(value: Any) -> str:
        return REFERENCE.sub(lambda m: values.get(f"{m[1]}.{m[2]}", m[0]), str(value))

    tasks: list[dict[str, Any]] = job.get("tasks") or []
    wheel = next((task["python_wheel_task"] for task in tasks if task.get("python_wheel_task")), None)
    if wheel is None:
        raise BundleError(f"job resource {JOB_KEY!r} has no python_wheel_task")
    clusters = [c.get("new_cluster") or {} for c in job.get("job_clusters") or []]
    parameters = [resolve(p) for p in wheel.get("parameters") or []]
    return BundleTarget(
        root=root,
        name=name,
        target=target,
        host=(body.get("workspace") or {}).get("host"),
        development=body.get("mode") == "development",
        service_principal=(body.get("run_as") or {}).get("service_principal_name"),
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
    """Every resource of one kind (`alerts`, `quality_monitors`, ...) by key, `${var.*}` and
    `${bundle.*}` resolved for `target` at any depth (other references stay as written)."""
    root = Path(root)
    config = _yaml(root / BUNDLE_FILE)
    targets: dict[str, Any] = config.get("targets") or {}
    if target not in targets:
        raise BundleError(
            f"target {target!r} is not in {root / BUNDLE_FILE}; choose one of {', '.join(targets)}"
        )
    name = str((config.get("bundle") or {}).get("name", ""))
    values = _variables(config, targets[target] or {}, name, target)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if isinstance(node, str):
            return REFERENCE.sub(lambda m: values.get(f"{m[1]}.{m[2]}", m[0]), node)
        return node

    return {key: resolve(body) for key, body in _resources(_documents(root, config), kind).items()}


def _yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"no {BUNDLE_FILE} in {path.parent}: run this in a generated repository") from None
    except yaml.YAMLError as exc:
        raise BundleError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise BundleError(f"{path} must be a YAML mapping")
    return loaded


def _variables(config: dict[str, Any], target: dict[str, Any], name: str, target_name: str) -> dict[str, str]:
    """`var.*` as the CLI resolves them (target override, then default) plus `bundle.*`.

    The per-deploy variables stay unresolved: their defaults are not what a deploy sets.
    """
    values = {"bundle.name": name, "bundle.target": target_name}
    overrides = target.get("variables") or {}
    for variable, spec in (config.get("variables") or {}).items():
        if variable in DEPLOY_VARIABLES:
            continue
        default = spec.get("default") if isinstance(spec, dict) else None
        value = overrides.get(variable, default)
        if value is not None:
            values[f"var.{variable}"] = str(value)
    return values


def _documents(root: Path, config: dict[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """databricks.yml and every file its `include:` patterns match, parsed, in the CLI's order."""
    documents = [(root / BUNDLE_FILE, config)]
    for pattern in config.get("include") or []:
        documents += [(path, _yaml(path)) for path in sorted(root.glob(pattern)) if path.is_file()]
    return documents


def _resources(documents: list[tuple[Path, dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    """Every resource of one kind (`jobs`, `model_serving_endpoints`) by key, whichever file declares it."""
    found: dict[str, dict[str, Any]] = {}
    for _, document in documents:
        for key, body in (((document.get("resources") or {}).get(kind)) or {}).items():
            found.setdefault(str(key), dict(body or {}))
    return found


def _job(documents: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The job resource `JOB_KEY`."""
    jobs = _resources(documents, "jobs")
    if JOB_KEY not in jobs:
        files = ", ".join(str(path) for path, _ in documents)
        raise BundleError(f"no job resource {JOB_KEY!r} in {files}")
    return jobs[JOB_KEY]


def _endpoint(documents: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any] | None:
    """The serving endpoint: the only one, or the one under `ENDPOINT_KEY`; None when there is none."""
    endpoints = _resources(documents, "model_serving_endpoints")
    if len(endpoints) <= 1 or ENDPOINT_KEY in endpoints:
        return endpoints.get(ENDPOINT_KEY, next(iter(endpoints.values()), None))
    raise BundleError(
        f"the bundle declares {len(endpoints)} model serving endpoints ({', '.join(endpoints)}); "
        f"keep the project's endpoint under resources.model_serving_endpoints.{ENDPOINT_KEY}"
    )
