"""`goldenpath check-repo`: do a generated repo's real names follow the convention?

Data scientists rename things by hand; this check (a pre-commit hook and a
step of the central test workflow) catches a package directory, job, tag or
Unity Catalog name that no longer matches the repo name, and says where, as
`file:line: rule: message`. In a serving repo it also checks the serving
wiring: the endpoint's name, its cost tags and its inference table.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from goldenpath.check.ab import check_ab
from goldenpath.check.monitoring import check_monitoring
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
BUNDLE_FILE = "databricks.yml"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


class _YamlDoc:
    """A YAML file parsed twice: plain data, and nodes that remember line numbers."""

    def __init__(self, root: Path, relpath: str) -> None:
        self.relpath = relpath
        text = (root / relpath).read_text(encoding="utf-8")
        self.data: Any = yaml.safe_load(text) or {}
        self._node = yaml.compose(text)

    def get(self, *keys: str) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def line(self, *keys: str) -> int:
        """1-based line of the value at `keys`, or of the deepest key that exists."""
        node, line = self._node, 1
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            match = next(((k, v) for k, v in node.value if k.value == key), None)
            if match is None:
                break
            node, line = match[1], match[1].start_mark.line + 1
        return line

    def finding(self, keys: tuple[str, ...], rule: str, message: str) -> Finding:
        return Finding(self.relpath, self.line(*keys), rule, message)


def check_repo(path: str | os.PathLike[str], settings: Settings) -> list[Finding]:
    """Every disagreement between the repo's names and the convention."""
    root = Path(path)
    repo_name, where = _repo_name(root)
    problems = check_repo_name(repo_name, settings)
    if problems:
        return [
            Finding(where[0], where[1], p.rule, f"repo name {repo_name!r}: {p.message}") for p in problems
        ]
    names = derive_names(repo_name, settings)
    findings = _check_package(root, names) + _check_entry_point(root, names)
    bundle_files = [
        BUNDLE_FILE,
        *sorted(p.relative_to(root).as_posix() for p in root.glob("resources/*.yml")),
    ]
    endpoints = 0
    docs = []
    for relpath in bundle_files:
        if (root / relpath).is_file():
            doc = _YamlDoc(root, relpath)
            docs.append(doc)
            findings += _check_bundle_file(doc, names, settings)
            findings += _check_serving(doc, names, settings)
            endpoints += len(doc.get("resources", "model_serving_endpoints") or {})
        elif relpath == BUNDLE_FILE:
            findings.append(Finding(relpath, 1, "bundle", f"{BUNDLE_FILE} is missing"))
    answers = _YamlDoc(root, ANSWERS_FILE) if (root / ANSWERS_FILE).is_file() else None
    findings += check_monitoring(docs, answers, names, settings)
    kind, kind_line = _project_kind(root)
    if kind == SERVING_KIND and not endpoints:
        findings.append(
            Finding(
                ANSWERS_FILE,
                kind_line,
                "serving-endpoint",
                f"project_kind is {SERVING_KIND!r} but no bundle file declares "
                f"resources.model_serving_endpoints; expected {names.endpoint_name!r} in resources/serving.yml",
            )
        )
    findings += [Finding(*found) for found in check_ab(root)] if kind == SERVING_KIND else []
    return findings


def _project_kind(root: Path) -> tuple[str | None, int]:
    """The kind recorded in the answers file, if any (repos made before kinds existed are batch)."""
    if not (root / ANSWERS_FILE).is_file():
        return None, 0
    answers = _YamlDoc(root, ANSWERS_FILE)
    return answers.get("project_kind"), answers.line("project_kind")


def _repo_name(root: Path) -> tuple[str, tuple[str, int]]:
    """In CI the real GitHub name wins; locally the answers file, else the folder."""
    github_repository = os.environ.get("GITHUB_REPOSITORY", "")
    if "/" in github_repository:
        return github_repository.split("/", 1)[1], ("GITHUB_REPOSITORY", 0)
    if (root / ANSWERS_FILE).is_file():
        answers = _YamlDoc(root, ANSWERS_FILE)
        if answers.get("repo_name"):
            return str(answers.get("repo_name")), (ANSWERS_FILE, answers.line("repo_name"))
    return root.resolve().name, (".", 0)


def _check_package(root: Path, names: DerivedNames) -> list[Finding]:
    expected = root / "src" / names.package
    if expected.is_dir():
        return []
    found = sorted(p.name for p in (root / "src").glob("*/__init__.py") for p in [p.parent])
    pyproject = root / "pyproject.toml"
    line = (
        _line_of(pyproject, rf'include\s*=\s*"{re.escape(found[0])}"') if found and pyproject.is_file() else 1
    )
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
            _line_of(pyproject, r"^\[project\.scripts\]"),
            "entry-point",
            f"[project.scripts] has no {names.repo!r}, the entry point the Databricks job calls; "
            f"found {', '.join(repr(s) for s in scripts) or 'none'}",
        )
    ]


def _check_bundle_file(doc: _YamlDoc, names: DerivedNames, settings: Settings) -> list[Finding]:
    findings: list[Finding] = []

    def expect(keys: tuple[str, ...], expected: str, rule: str) -> None:
        actual = doc.get(*keys)
        if actual is not None and actual != expected:
            findings.append(doc.finding(keys, rule, f"{'.'.join(keys)} is {actual!r}, expected {expected!r}"))

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
                            doc.relpath,
                            doc.line("resources", "jobs", key, "tasks"),
                            rule,
                            f"task {index} python_wheel_task.{field} is {wheel.get(field)!r}, expected {expected!r}",
                        )
                    )
            endpoint = flag_value(wheel.get("parameters") or [], "--endpoint")
            if endpoint is not None and endpoint != names.endpoint_name:
                findings.append(
                    Finding(
                        doc.relpath,
                        doc.line("resources", "jobs", key, "tasks"),
                        "endpoint-name",
                        f"task {index} rolls out to --endpoint {endpoint!r}, expected {names.endpoint_name!r}",
                    )
                )
    return findings


def flag_value(parameters: list[Any], flag: str) -> str | None:
    """The value after `flag` in a wheel task's parameters, if the flag is there."""
    values = [str(p) for p in parameters]
    return values[values.index(flag) + 1] if flag in values[:-1] else None


def _check_serving(doc: _YamlDoc, names: DerivedNames, settings: Settings) -> list[Finding]:
    """A serving endpoint: its derived name, the jobs' cost tags, and requests logged to a table."""
    findings: list[Finding] = []
    for key, endpoint in (doc.get("resources", "model_serving_endpoints") or {}).items():
        keys = ("resources", "model_serving_endpoints", key)
        name = endpoint.get("name")
        if name != names.endpoint_name:
            findings.append(
                doc.finding(
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
                doc.finding(
                    (*keys, "tags"),
                    "tag-project",
                    f"{label} tag project is {tags['project']!r}, expected {names.repo!r}",
                )
            )
        findings += _check_inference_table(doc, keys, endpoint, names)
    for key, model in (doc.get("resources", "registered_models") or {}).items():
        if model.get("name") not in (names.uc_model, "${var.model_name}"):
            findings.append(
                doc.finding(
                    ("resources", "registered_models", key, "name"),
                    "uc-model",
                    f"registered model {key!r} is named {model.get('name')!r}, expected {names.uc_model!r}",
                )
            )
    return findings


def _check_inference_table(
    doc: _YamlDoc, keys: tuple[str, ...], endpoint: dict[str, Any], names: DerivedNames
) -> list[Finding]:
    """Every request and response must land in the project's schema: AI Gateway or auto_capture_config."""
    gateway = (endpoint.get("ai_gateway") or {}).get("inference_table_config")
    legacy = (endpoint.get("config") or {}).get("auto_capture_config")
    table, where = (gateway, (*keys, "ai_gateway")) if gateway else (legacy, (*keys, "config"))
    if not isinstance(table, dict) or table.get("enabled") is not True:
        return [
            doc.finding(
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
                doc.finding(
                    where,
                    "inference-table",
                    f"endpoint {keys[-1]!r} inference table {field} is {table.get(field)!r}, expected {options[0]!r}",
                )
            )
    return findings


def _check_tags(
    doc: _YamlDoc, keys: tuple[str, ...], owner: str, tags: dict[str, Any], settings: Settings
) -> list[Finding]:
    findings = [
        doc.finding(keys, "tag-missing", f"{owner} has no {tag!r} tag")
        for tag in REQUIRED_TAGS
        if tag not in tags
    ]
    for tag, value in tags.items():
        findings += [
            doc.finding((*keys, tag), p.rule, f"tag {tag}: {p.message}") for p in check_tag_value(str(value))
        ]
    team = tags.get("team")
    if team is not None and team not in settings.teams:
        findings.append(
            doc.finding((*keys, "team"), "tag-team", f"team {team!r} is not one of {sorted(settings.teams)}")
        )
    if "cost_center" in tags:
        findings += [
            doc.finding((*keys, "cost_center"), f"tag-{p.rule}", p.message)
            for p in check_cost_center(str(tags["cost_center"]), settings)
        ]
    return findings


def _line_of(path: Path, pattern: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.search(pattern, text):
            return number
    return 1
