"""`goldenpath check-repo`: do a generated repo's real names follow the convention?

Data scientists rename things by hand; this check (a pre-commit hook and a
step of the central test workflow) catches a package directory, job, tag or
Unity Catalog name that no longer matches the repo name, and says where, as
`file:line: rule: message`. In a serving repo it also checks the serving
wiring: the endpoint's name, its cost tags and its inference table. The
bundle files are the ones the Databricks CLI loads (`goldenpath.bundle`):
`databricks.yml` and every file its `include:` names.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.ab_config import AB_FILE
from goldenpath.bundle import BUNDLE_FILE, Bundle, YamlFile, checkout_files, flag_value, line_of, read_bundle
from goldenpath.check.ab import check_ab
from goldenpath.check.findings import Finding, finding_at
from goldenpath.check.monitoring import check_monitoring, monitoring_adopted
from goldenpath.errors import UsageError
from goldenpath.github.client import repository_from_environ
from goldenpath.naming import (
    REQUIRED_TAGS,
    DerivedNames,
    check_cost_center,
    check_repo_name,
    check_tag_value,
    derive_names,
)
from goldenpath.settings import SERVING_KIND, Settings

ANSWERS_FILE = ".copier-answers.yml"
# The example pipeline's module that writes the monitored predictions; the serving kind's A/B router.
PREDICTIONS_MODULE = "predictions.py"
ROUTER_MODULE = "router.py"


@dataclass
class RepoCheck:
    """What was checked in one repository, and every disagreement found."""

    repo: str
    findings: list[Finding] = dataclasses.field(default_factory=list)
    checked: list[str] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"names agree with the convention ({'; '.join(self.checked)})"


def check_repo(path: str | os.PathLike[str], settings: Settings) -> list[Finding]:
    """Every disagreement between the repo's names and the convention."""
    return inspect_repo(path, settings).findings


def inspect_repo(path: str | os.PathLike[str], settings: Settings) -> RepoCheck:
    """Check the repo's names, saying what was checked."""
    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory", "give the path of a generated repository")
    repo_name, where = _repo_name(root)
    result = RepoCheck(repo_name)
    problems = check_repo_name(repo_name, settings)
    if problems:
        result.findings = [
            Finding(where[0], where[1], p.rule, f"repo name {repo_name!r}: {p.message}") for p in problems
        ]
        return result
    names = derive_names(repo_name, settings)
    result.findings = _check_package(root, names) + _check_entry_point(root, names)
    result.checked += [f"package src/{names.package}", f"entry point {names.repo}"]
    bundle = read_bundle(checkout_files(root))
    if bundle is None:
        result.findings.append(Finding(BUNDLE_FILE, 1, "bundle", f"{BUNDLE_FILE} is missing"))
        return result
    result.findings += [Finding(BUNDLE_FILE, 1, "bundle", problem) for problem in bundle.problems]
    for file in bundle.files:
        result.findings += _check_bundle_file(file, names, settings)
        result.findings += _check_serving(file, names, settings)
    result.findings += _check_kind(root, bundle, names)
    answers = _answers(root)
    predictions = f"src/{names.package}/{PREDICTIONS_MODULE}"
    if monitoring_adopted(bundle.files, (root / predictions).is_file()):
        result.findings += check_monitoring(bundle.files, answers, names, settings)
        result.checked.append("monitoring and job notifications")
    else:
        result.checked.append(f"no monitoring yet (no {predictions}; goldenpath update brings it)")
    jobs, endpoints = len(bundle.declared("jobs")), len(bundle.declared("model_serving_endpoints"))
    result.checked.append(
        f"{len(bundle.files)} bundle file(s): {', '.join(file.path for file in bundle.files)}; "
        f"{jobs} job(s), {endpoints} serving endpoint(s)"
    )
    if answers is not None and answers.get("project_kind") == SERVING_KIND:
        # A serving repo from before A/B testing has neither the config nor the router.
        if (root / AB_FILE).is_file() or (root / "src" / names.package / ROUTER_MODULE).is_file():
            result.findings += check_ab(root)
            result.checked.append(f"the A/B test config {AB_FILE}")
        else:
            result.checked.append(f"no A/B testing yet (no {AB_FILE}; goldenpath update brings it)")
    return result


def _check_kind(root: Path, bundle: Bundle, names: DerivedNames) -> list[Finding]:
    """A serving repo (by its answers file) declares its endpoint in some bundle file."""
    answers = _answers(root)
    if (
        answers is None
        or answers.get("project_kind") != SERVING_KIND
        or bundle.declared("model_serving_endpoints")
    ):
        return []
    return [
        Finding(
            ANSWERS_FILE,
            answers.line("project_kind"),
            "serving-endpoint",
            f"project_kind is {SERVING_KIND!r} but no bundle file declares "
            f"resources.model_serving_endpoints; expected {names.endpoint_name!r} in resources/serving.yml",
        )
    ]


def _answers(root: Path) -> YamlFile | None:
    """The answers file, if any (repos made before kinds existed are batch)."""
    path = root / ANSWERS_FILE
    return YamlFile.parse(ANSWERS_FILE, path.read_text(encoding="utf-8")) if path.is_file() else None


def _repo_name(root: Path) -> tuple[str, tuple[str, int]]:
    """In CI the real GitHub name wins; locally the answers file, else the folder."""
    repository = repository_from_environ()
    if repository is not None:
        return repository[1], ("GITHUB_REPOSITORY", 0)
    answers = _answers(root)
    if answers is not None and answers.get("repo_name"):
        return str(answers.get("repo_name")), (ANSWERS_FILE, answers.line("repo_name"))
    return root.resolve().name, (".", 0)


def _check_package(root: Path, names: DerivedNames) -> list[Finding]:
    expected = root / "src" / names.package
    if expected.is_dir():
        return []
    found = sorted(p.name for p in (root / "src").glob("*/__init__.py") for p in [p.parent])
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if found and pyproject.is_file() else ""
    line = (line_of(text, f'include = "{found[0]}"') if found else None) or 1
    return [
        Finding(
            "pyproject.toml",
            line,
            "package-dir",
            f"expected package directory src/{names.package} for repo {names.repo!r}; "
            f"found {', '.join('src/' + f for f in found) or 'none'}",
        )
    ]


def _check_entry_point(root: Path, names: DerivedNames) -> list[Finding]:
    """The job's python_wheel_task calls `[project.scripts]` by the repo's name."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return [Finding("pyproject.toml", 1, "entry-point", "pyproject.toml is missing")]
    scripts = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("scripts", {})
    if names.repo in scripts:
        return []
    return [
        Finding(
            "pyproject.toml",
            line_of(pyproject.read_text(encoding="utf-8"), "[project.scripts]") or 1,
            "entry-point",
            f"[project.scripts] has no {names.repo!r}, the entry point the Databricks job calls; "
            f"found {', '.join(repr(s) for s in scripts) or 'none'}",
        )
    ]


def _check_bundle_file(doc: YamlFile, names: DerivedNames, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []

    def expect(keys: tuple[str, ...], expected: str, rule: str) -> None:
        actual = doc.get(*keys)
        if actual is not None and actual != expected:
            findings.append(
                finding_at(doc, keys, rule, f"{'.'.join(keys)} is {actual!r}, expected {expected!r}")
            )

    expect(("bundle", "name"), names.repo, "bundle-name")
    expect(("variables", "schema", "default"), names.uc_schema, "uc-schema")
    expect(("variables", "model_name", "default"), names.uc_model, "uc-model")
    for env, catalog in names.catalogs.items():
        expect(("targets", env, "variables", "catalog"), catalog, "uc-catalog")
    for key, job in (doc.get("resources", "jobs") or {}).items():
        expect(("resources", "jobs", key, "name"), names.job_names.get(key, names.job_name), "job-name")
        expect(("resources", "jobs", key, "tags", "project"), names.repo, "tag-project")
        findings += _check_tags(
            doc, ("resources", "jobs", key, "tags"), f"job {key!r}", job.get("tags") or {}, settings
        )
        for index, task in enumerate(job.get("tasks") or []):
            wheel = task.get("python_wheel_task") or {}
            for field, expected, rule in (
                ("entry_point", names.repo, "wheel-entry-point"),
                ("package_name", names.package, "wheel-package"),
            ):
                if wheel and wheel.get(field) != expected:
                    findings.append(
                        Finding(
                            doc.path,
                            doc.line("resources", "jobs", key, "tasks"),
                            rule,
                            f"task {index} python_wheel_task.{field} is {wheel.get(field)!r}, expected {expected!r}",
                        )
                    )
            endpoint = flag_value(wheel.get("parameters") or [], "--endpoint")
            if endpoint is not None and endpoint != names.endpoint_name:
                findings.append(
                    Finding(
                        doc.path,
                        doc.line("resources", "jobs", key, "tasks"),
                        "endpoint-name",
                        f"task {index} rolls out to --endpoint {endpoint!r}, expected {names.endpoint_name!r}",
                    )
                )
    return findings


def _check_serving(doc: YamlFile, names: DerivedNames, settings: Settings) -> list[Finding]:
    """A serving endpoint: its derived name, the jobs' cost tags, and requests logged to a table."""
    findings: list[Finding] = []
    for key, endpoint in (doc.get("resources", "model_serving_endpoints") or {}).items():
        keys = ("resources", "model_serving_endpoints", key)
        name = endpoint.get("name")
        if name != names.endpoint_name:
            findings.append(
                finding_at(
                    doc,
                    (*keys, "name"),
                    "endpoint-name",
                    f"{'.'.join((*keys, 'name'))} is {name!r}, expected {names.endpoint_name!r}",
                )
            )
        raw_tags = endpoint.get("tags") or []
        tags = {str(t.get("key")): t.get("value") for t in raw_tags if isinstance(t, dict)}
        label = f"endpoint {key!r}"
        findings += _check_tags(doc, (*keys, "tags"), label, tags, settings)
        if "project" in tags and tags["project"] != names.repo:
            findings.append(
                finding_at(
                    doc,
                    (*keys, "tags"),
                    "tag-project",
                    f"{label} tag project is {tags['project']!r}, expected {names.repo!r}",
                )
            )
        findings += _check_inference_table(doc, keys, endpoint, names)
    for key, model in (doc.get("resources", "registered_models") or {}).items():
        if model.get("name") not in (names.uc_model, "${var.model_name}"):
            findings.append(
                finding_at(
                    doc,
                    ("resources", "registered_models", key, "name"),
                    "uc-model",
                    f"registered model {key!r} is named {model.get('name')!r}, expected {names.uc_model!r}",
                )
            )
    return findings


def _check_inference_table(
    doc: YamlFile, keys: tuple[str, ...], endpoint: dict[str, Any], names: DerivedNames
) -> list[Finding]:
    """Every request and response must land in the project's schema: AI Gateway or auto_capture_config."""
    gateway = (endpoint.get("ai_gateway") or {}).get("inference_table_config")
    legacy = (endpoint.get("config") or {}).get("auto_capture_config")
    table, where = (gateway, (*keys, "ai_gateway")) if gateway else (legacy, (*keys, "config"))
    if not isinstance(table, dict) or table.get("enabled") is not True:
        return [
            finding_at(
                doc,
                where,
                "inference-table",
                f"endpoint {keys[-1]!r} logs no requests: enable ai_gateway.inference_table_config "
                f"(or config.auto_capture_config) with table_name_prefix {names.inference_table_prefix!r}",
            )
        ]
    expected = {
        "catalog_name": "${var.catalog}",
        "schema_name": ("${var.schema}", names.uc_schema),
        "table_name_prefix": names.inference_table_prefix,
    }
    findings = []
    for field, allowed in expected.items():
        options = allowed if isinstance(allowed, tuple) else (allowed,)
        if table.get(field) not in options:
            findings.append(
                finding_at(
                    doc,
                    where,
                    "inference-table",
                    f"endpoint {keys[-1]!r} inference table {field} is {table.get(field)!r}, expected {options[0]!r}",
                )
            )
    return findings


def _check_tags(
    doc: YamlFile, keys: tuple[str, ...], owner: str, tags: dict[str, Any], settings: Settings
) -> list[Finding]:
    findings = [
        finding_at(doc, keys, "tag-missing", f"{owner} has no {tag!r} tag")
        for tag in REQUIRED_TAGS
        if tag not in tags
    ]
    for tag, value in tags.items():
        findings += [
            finding_at(doc, (*keys, tag), p.rule, f"tag {tag}: {p.message}")
            for p in check_tag_value(str(value))
        ]
    team = tags.get("team")
    if team is not None and team not in settings.teams:
        findings.append(
            finding_at(
                doc, (*keys, "team"), "tag-team", f"team {team!r} is not one of {sorted(settings.teams)}"
            )
        )
    if "cost_center" in tags:
        findings += [
            finding_at(doc, (*keys, "cost_center"), f"tag-{p.rule}", p.message)
            for p in check_cost_center(str(tags["cost_center"]), settings)
        ]
    return findings
