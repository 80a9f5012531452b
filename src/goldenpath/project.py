"""The template's questions, their validation, and the full render context.

Both template engines ask the same questions (`QUESTIONS`), validate each
answer with `answer_error`, and render from the same `Project`, so a
copier-made and a cookiecutter-made repository cannot drift apart.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from goldenpath import ab_config
from goldenpath.naming import (
    MONITOR_COLUMNS,
    REQUIRED_TAGS,
    DerivedNames,
    MonitorColumns,
    check_cost_center,
    check_repo_name,
    derive_names,
    format_problems,
    may_create,
)
from goldenpath.refs import expected_ref, project_version
from goldenpath.settings import (
    ALL_UNITS,
    DEPLOYED_ENVIRONMENTS,
    PROJECT_KINDS,
    SERVING_KIND,
    Environment,
    Settings,
)
from goldenpath.settings_monitoring import MonitoringDefaults, TeamAlerts

AUTH_MODES = ("service-principal-secrets", "oidc")
QUESTIONS = (
    "repo_name",
    "description",
    "project_kind",
    "team",
    "cost_center",
    "python_version",
    "auth_mode",
    "include_example",
)
ANSWERS_FILE = ".copier-answers.yml"
ANSWERS_HEADER = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
# The description becomes the package summary (PyPI allows 512), the job's
# description and the README's first line; GitHub's repository description allows 350.
DESCRIPTION_MAX_LENGTH = 200
DESCRIPTION_EXAMPLE = "Weekly demand forecast per store"
# Line breaks, other control characters and lone surrogates cannot be one line of text.
_NOT_ONE_LINE = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What the Databricks CLI substitutes in bundle files (`${var.x}`, `${bundle.target}`);
# it has no escape for it in the versions deployed today.
_BUNDLE_REFERENCE = re.compile(r"\$\{[A-Za-z]")
# Backstage: a deployed job with an owner and an on-call story is a well-known `service`;
# a new repository is `experimental` until its team promotes it (docs/catalog.md).
CATALOG_COMPONENT_TYPE = "service"
CATALOG_LIFECYCLE = "experimental"
# Model Serving capacity per target: production stays warm for latency; the others may sleep.
SERVING_WORKLOAD_SIZE = "Small"
SCALE_TO_ZERO_EXCEPT = ("prd",)
# The example model predicts a number; a classifier's repo changes this in its monitor.
PROBLEM_TYPE = "PROBLEM_TYPE_REGRESSION"
# Spark for a generated repo's Spark tests, matching the Databricks Runtimes offered (Spark 3.5).
# Installed by hand into the repo's environment: locking it in a poetry group would make every
# `poetry install` download pyspark's 300 MB source archive to read its metadata.
SPARK_REQUIREMENTS = ("pyspark>=3.5,<3.6", "pyarrow>=14")
# The drift-metrics row for the whole table rather than one column.
TABLE_LEVEL_COLUMN = ":table"
WORKFLOW_FILES = {
    "test": "reusable-test.yml",
    "build": "reusable-build.yml",
    "deploy": "reusable-deploy.yml",
    "deploy-oidc": "reusable-deploy-oidc.yml",
    "template-update": "reusable-template-update.yml",
}


@dataclass(frozen=True)
class Project:
    """Answers plus everything derived from them and the settings: the whole render context."""

    answers: dict[str, Any]
    names: DerivedNames
    settings: Settings
    template_version: str

    @property
    def environments(self) -> list[Environment]:
        return list(self.settings.environments.values())

    @property
    def deployed_environments(self) -> list[Environment]:
        return [self.settings.environments[env] for env in DEPLOYED_ENVIRONMENTS]

    @property
    def kind(self) -> str:
        return str(self.answers["project_kind"])

    @property
    def serving(self) -> bool:
        """A serving repo adds a Unity Catalog model, a Model Serving endpoint and a roll-out step."""
        return self.kind == SERVING_KIND

    @property
    def ab(self) -> ModuleType:
        """The A/B experiment contract (names, aliases, tags, variables) the generated code shares with the CLI."""
        return ab_config

    @property
    def serving_workload_size(self) -> str:
        return SERVING_WORKLOAD_SIZE

    @staticmethod
    def scales_to_zero(env: str) -> bool:
        return env not in SCALE_TO_ZERO_EXCEPT

    @property
    def oidc(self) -> bool:
        return bool(self.answers["auth_mode"] == "oidc")

    @property
    def python(self) -> str:
        return str(self.answers["python_version"])

    @property
    def python_requires(self) -> str:
        """Pinned to one minor version: the one the Databricks Runtime runs."""
        major, minor = self.python.split(".")
        return f">={major}.{minor},<{major}.{int(minor) + 1}"

    @property
    def spark_version(self) -> str:
        return self.settings.python_runtimes[self.python]

    def uses(self, workflow: str) -> str:
        """`uses:` ref of a central reusable workflow (`test`, `build`, `deploy`, `deploy-oidc`)."""
        return self.settings.workflow_uses(WORKFLOW_FILES[workflow])

    @property
    def deploy_uses(self) -> str:
        return self.uses("deploy-oidc" if self.oidc else "deploy")

    @property
    def central_url(self) -> str:
        return f"https://github.com/{self.settings.central_slug}"

    @property
    def cli_in_repo(self) -> bool:
        """Releases publish the goldenpath wheel to the package index (`python.publish_url`), so the
        repo installs the CLI as a dev dependency at its template release (docs/adr/0012)."""
        return self.settings.publish_url is not None

    @property
    def precommit_rev(self) -> str:
        """pre-commit caches hooks by rev, so it gets the exact template release, not the moving tag."""
        return expected_ref(self.template_version)

    @property
    def update_schedule(self) -> str:
        """Weekly cron of the template-update workflow, Mondays 05:MM UTC.

        The minute comes from the repository name (stable across renders and
        engines), so a fleet of repositories spreads over the hour.
        """
        minute = int(hashlib.sha256(self.names.repo.encode()).hexdigest(), 16) % 60
        return f"{minute} 5 * * 1"

    @property
    def experiment(self) -> str:
        """MLflow experiment on Databricks; the bundle target is appended per deploy."""
        return f"/Shared/{self.names.repo}"

    @property
    def job_tags(self) -> dict[str, str]:
        """The cost tags every job carries, as the bundle writes them: env and git_sha resolve at deploy."""
        values = {
            "team": self.answers["team"],
            "cost_center": self.answers["cost_center"],
            "project": self.names.repo,
            "env": "${bundle.target}",
            "git_sha": "${var.git_sha}",
            "template_version": self.template_version,
        }
        return {tag: values[tag] for tag in REQUIRED_TAGS}

    @property
    def columns(self) -> MonitorColumns:
        return MONITOR_COLUMNS

    @property
    def monitoring(self) -> MonitoringDefaults:
        return self.settings.monitoring

    @property
    def alerts(self) -> TeamAlerts:
        """Where the owning team's alerts go (`teams.<team>.alerts` in the settings)."""
        return self.settings.team_alerts[str(self.answers["team"])]

    @property
    def monitored_table(self) -> str:
        return self.names.monitored_table(self.serving)

    @property
    def drift_metrics_table(self) -> str:
        return self.names.drift_metrics_table(self.serving)

    @property
    def problem_type(self) -> str:
        return PROBLEM_TYPE

    @property
    def spark_install(self) -> str:
        """The command that adds Spark to a generated repo's environment for its Spark tests."""
        return "poetry run python -m pip install " + " ".join(f'"{r}"' for r in SPARK_REQUIREMENTS)

    @property
    def max_run_seconds(self) -> int:
        return self.monitoring.max_run_minutes * 60

    def drift_query(self, table: str) -> str:
        """The drift query (`drift_query`) with this repo's monitoring settings."""
        return drift_query(table, self.monitoring)

    @property
    def github_slug(self) -> str:
        """`<org>/<repo>` of the generated repository on GitHub."""
        return f"{self.settings.org}/{self.names.repo}"

    @property
    def catalog_entity(self) -> dict[str, Any]:
        """The Backstage `Component` in catalog-info.yaml: owner is the team, system the unit."""
        parts = [self.names.unit, self.names.domain, self.names.usecase]
        return {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": self.names.repo,
                "description": self.answers["description"],
                "tags": list(dict.fromkeys(parts)),
                "annotations": {
                    "github.com/project-slug": self.github_slug,
                    "backstage.io/techdocs-ref": "dir:.",
                },
            },
            "spec": {
                "type": CATALOG_COMPONENT_TYPE,
                "lifecycle": CATALOG_LIFECYCLE,
                "owner": f"group:{self.answers['team']}",
                "system": self.names.unit,
            },
        }


def drift_query(table: str, monitoring: MonitoringDefaults) -> str:
    """Each feature's drift from the baseline in the newest window of the drift-metrics `table`.

    The drift alert evaluates it (the maximum against the threshold) and the
    drift_check task reads the same rows, so both decide on the same numbers.
    """
    # Every value below is a derived name or a setting from a fixed list: nothing user-typed.
    non_features = ", ".join(f"'{column}'" for column in (TABLE_LEVEL_COLUMN, *MONITOR_COLUMNS.serving))
    granularity = monitoring.granularities[0]
    latest = (
        f"SELECT max(window.start) FROM {table} "  # noqa: S608
        f"WHERE drift_type = 'BASELINE' AND granularity = '{granularity}'"
    )
    return (
        f"SELECT column_name AS feature, {monitoring.drift_metric} AS drift, "  # noqa: S608
        f"window.start AS window_start FROM {table} "
        f"WHERE drift_type = 'BASELINE' AND slice_key IS NULL AND granularity = '{granularity}' "
        f"AND column_name NOT IN ({non_features}) AND window.start = ({latest})"
    )


def answer_error(question: str, answers: dict[str, Any], settings: Settings) -> str:
    """Why `answers[question]` is refused, or "" when it is fine."""
    value = answers.get(question)
    if question == "repo_name":
        problems = check_repo_name(str(value or ""), settings)
        return format_problems(str(value or ""), problems, settings) if problems else ""
    if question == "description":
        return description_error(str(value or ""))
    if question == "project_kind":
        return _project_kind_error(value, settings)
    if question == "team":
        denied = may_create(str(value or ""), str(answers.get("repo_name", "")), settings)
        return str(denied) if denied else ""
    if question == "cost_center":
        return "\n".join(f"cost_center {p.message}" for p in check_cost_center(str(value or ""), settings))
    if question == "python_version":
        supported = settings.python_supported
        return (
            ""
            if str(value) in supported
            else f"python_version {value!r} must be one of {', '.join(supported)}"
        )
    if question == "auth_mode":
        return "" if value in AUTH_MODES else f"auth_mode {value!r} must be one of {', '.join(AUTH_MODES)}"
    if question == "include_example":
        if not isinstance(value, bool):
            return f"include_example must be true or false, got {value!r}"
        if not value and answers.get("project_kind") == SERVING_KIND:
            return (
                "include_example must be true for project_kind 'serving': the endpoint serves the "
                "example model until you replace it with yours"
            )
        return ""
    raise KeyError(f"unknown question {question!r}; known: {', '.join(QUESTIONS)}")


def default_description(repo_name: str) -> str:
    """The description offered when nobody wrote one (copier, cookiecutter and create-repo)."""
    return f"{repo_name}: an ML project on the goldenpath"


def description_error(text: str) -> str:
    """Why `text` cannot be the description (one line of plain text), or ""."""
    example = f"for example {DESCRIPTION_EXAMPLE!r}"
    if not text.strip():
        return f"description must not be empty; {example}"
    if len(text) > DESCRIPTION_MAX_LENGTH:
        return (
            f"description is {len(text)} characters, the limit is {DESCRIPTION_MAX_LENGTH} "
            f"(it is the package summary and the job's description); {example}"
        )
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in _NOT_ONE_LINE:
            name = unicodedata.name(char, "a control character")
            return (
                f"description must be one line without control characters, but character {position} "
                f"is U+{ord(char):04X} ({name}); {example}"
            )
    if reference := _BUNDLE_REFERENCE.search(text):
        return (
            f"description must not contain {reference.group()!r}...: the Databricks bundle would "
            f"substitute it as a variable reference like '${{var.catalog}}'; {example}"
        )
    return ""


def _project_kind_error(value: Any, settings: Settings) -> str:
    offered = settings.project_kinds
    if value in offered:
        return ""
    if value in PROJECT_KINDS:
        return (
            f"project_kind {value!r} is switched off by the platform team (project_kinds in "
            f"{settings.source.name}); choose {', '.join(offered)}"
        )
    return f"project_kind {value!r} must be one of {', '.join(offered)}"


def default_team(repo_name: str, settings: Settings) -> str:
    """The team that owns the repo's unit only, else the first team allowed everything."""
    unit = repo_name.split("-", 1)[0]
    for team, units in settings.teams.items():
        if units == (unit,):
            return team
    return next(team for team, units in settings.teams.items() if units == (ALL_UNITS,))


def answers_errors(answers: dict[str, Any], settings: Settings) -> list[str]:
    """Every refused answer, in question order."""
    return [error for q in QUESTIONS if (error := answer_error(q, answers, settings))]


def build_project(answers: dict[str, Any], settings: Settings, template_root: Path) -> Project:
    """The render context for validated `answers`."""
    errors = answers_errors(answers, settings)
    if errors:
        raise ValueError("\n".join(errors))
    return Project(
        answers={q: answers[q] for q in QUESTIONS},
        names=derive_names(answers["repo_name"], settings),
        settings=settings,
        template_version=project_version(template_root),
    )


def as_bool(value: Any) -> bool:
    """Cookiecutter hands booleans over as strings after prompting; accept both forms."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "y", "1"}:
        return True
    if text in {"false", "no", "n", "0"}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def answers_file_text(record: Mapping[str, Any]) -> str:
    """`.copier-answers.yml` as copier writes it (its `to_nice_yaml`), for files written outside copier."""
    text = yaml.safe_dump(
        dict(record), sort_keys=True, default_flow_style=False, indent=4, allow_unicode=True
    )
    return ANSWERS_HEADER + text
