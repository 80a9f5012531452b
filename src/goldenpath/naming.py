"""The naming convention: the one place that says what a valid name is.

Every door (copier validator, cookiecutter pre-gen hook, `goldenpath check-name`,
`goldenpath check-repo`, the central workflows, create-repo) calls this module.
Repo names look like `<unit>-<domain>-<usecase>`; every other name (package,
Unity Catalog, jobs, serving endpoints, tags) is derived from it here and
checked against the rules of the system that will hold it.
"""

from __future__ import annotations

import difflib
import keyword
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from goldenpath.settings import ALL_UNITS, Settings

SEGMENT = re.compile(r"[a-z][a-z0-9]*")
REPO_CHARSET = re.compile(r"[a-z0-9-]*")
PYTHON_PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
UC_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,254}")
JOB_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
# Model Serving allows letters, digits, '-' and '_'; the convention keeps them lowercase.
ENDPOINT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
ENDPOINT_NAME_MAX = 63
# Databricks names its own (foundation model) endpoints so; a custom endpoint may not.
ENDPOINT_RESERVED_PREFIX = "databricks-"
GITHUB_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
TAG_VALUE_FORBIDDEN = set("<>%&\\?/")
TAG_VALUE_MAX = 256
JOB_KEY = "pipeline"
ENDPOINT_KEY = "serving"
# The scheduled job that unpacks inference logs (serving) and checks drift, and its tasks.
MONITORING_JOB_KEY = "monitoring"
SCORE_TASK = "score"
UNPACK_TASK = "unpack_inference"
DRIFT_CHECK_TASK = "drift_check"
# Bundle resource keys of the Lakehouse monitor and the drift alert.
MONITOR_KEY = "predictions"
ALERT_KEY = "drift"
# Every Databricks job carries these tags (cost reports and audits group by them).
REQUIRED_TAGS = ("team", "cost_center", "project", "env", "git_sha", "template_version")


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable rule id plus a message a person can act on."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class MonitorColumns:
    """The columns every predictions table has, beside the model's features: one contract for
    the code that writes them, the monitor that reads them, and the checks."""

    row_id: str = "row_id"  # joins labels later: the input row's id (batch) or request id and row (serving)
    prediction: str = "prediction"
    model_version: str = "model_version"
    timestamp: str = "predicted_at"
    label: str = "label"  # empty when written; filled by joining the true outcome on row_id
    job_run_id: str = "job_run_id"
    # Serving only (the unpacked inference table): every response, successful or not.
    status_code: str = "status_code"
    latency_ms: str = "latency_ms"
    request_id: str = "request_id"
    # Serving only, during an A/B test: the variant whose model answered (champion, challenger,
    # or unassigned when the request had no key); model_version is then that model's version.
    variant: str = "variant"

    @property
    def batch(self) -> tuple[str, ...]:
        """Columns of batch predictions and of the baseline, after the features."""
        return (self.row_id, self.prediction, self.model_version, self.timestamp, self.label, self.job_run_id)

    @property
    def serving(self) -> tuple[str, ...]:
        """Columns of the unpacked inference table, after the features."""
        return (*self.batch, self.status_code, self.latency_ms, self.request_id, self.variant)

    def sql_types(self, serving: bool) -> dict[str, str]:
        """Each column with its Spark SQL type, as the tasks write it."""
        types = {
            self.row_id: "STRING",
            self.prediction: "DOUBLE",
            self.model_version: "STRING",
            self.timestamp: "TIMESTAMP",
            self.label: "DOUBLE",
            self.job_run_id: "STRING",
            self.status_code: "INT",
            self.latency_ms: "BIGINT",
            self.request_id: "STRING",
            self.variant: "STRING",
        }
        return {column: types[column] for column in (self.serving if serving else self.batch)}


MONITOR_COLUMNS = MonitorColumns()


@dataclass(frozen=True)
class DerivedNames:
    """Every name computed from a repo name; see docs/naming.md for the table."""

    repo: str
    unit: str
    domain: str
    usecase: str
    package: str
    uc_schema: str
    uc_model: str
    job_name: str
    endpoint_name: str
    catalogs: dict[str, str]

    def uc_model_path(self, env: str) -> str:
        return f"{self.catalogs[env]}.{self.uc_schema}.{self.uc_model}"

    @property
    def inference_table_prefix(self) -> str:
        """Serving logs requests to `<catalog>.<schema>.<prefix>_payload`, beside the model."""
        return self.uc_model

    # Tables in the project's schema (`<catalog>.<uc_schema>.<table>`); see docs/monitoring.md.
    @property
    def predictions_table(self) -> str:
        """Batch: one row per scored input row, appended by the job's score task."""
        return f"{self.package}_predictions"

    @property
    def baseline_table(self) -> str:
        """The training run's evaluation predictions: what drift is measured against."""
        return f"{self.package}_baseline"

    @property
    def input_table(self) -> str:
        """Batch: what the score task reads by default; the example creates it from its bundled data."""
        return f"{self.package}_input"

    @property
    def payload_table(self) -> str:
        """Serving: the raw request/response log the AI Gateway writes."""
        return f"{self.inference_table_prefix}_payload"

    @property
    def inference_table(self) -> str:
        """Serving: the payload table unpacked into typed prediction rows."""
        return f"{self.package}_inference"

    @property
    def readout_table(self) -> str:
        """Serving: the A/B test readout, computed from the unpacked inference table."""
        return f"{self.package}_ab_readout"

    def monitored_table(self, serving: bool) -> str:
        """The table the Lakehouse monitor watches."""
        return self.inference_table if serving else self.predictions_table

    def drift_metrics_table(self, serving: bool) -> str:
        """Written by the monitor beside the table it watches."""
        return f"{self.monitored_table(serving)}_drift_metrics"

    def profile_metrics_table(self, serving: bool) -> str:
        return f"{self.monitored_table(serving)}_profile_metrics"

    def table_path(self, env: str, table: str) -> str:
        """`<catalog>.<schema>.<table>` in `env`."""
        return f"{self.catalogs[env]}.{self.uc_schema}.{table}"

    def monitored_tables_ddl(self, env: str, serving: bool) -> list[str]:
        """`CREATE TABLE IF NOT EXISTS` for the monitored and baseline tables in `env`.

        Databricks creates a monitor only on existing tables; created empty with the
        monitor's columns, they gain the feature columns on the tasks' first append.
        """
        statements = []
        for table, kind_serving in ((self.monitored_table(serving), serving), (self.baseline_table, False)):
            columns = ", ".join(f"{c} {t}" for c, t in MONITOR_COLUMNS.sql_types(kind_serving).items())
            statements.append(f"CREATE TABLE IF NOT EXISTS {self.table_path(env, table)} ({columns})")
        return statements

    @property
    def monitoring_job_name(self) -> str:
        return f"{self.repo}-{MONITORING_JOB_KEY}"

    @property
    def drift_alert_name(self) -> str:
        return f"{self.repo}-drift"

    @property
    def job_names(self) -> dict[str, str]:
        """Each bundle job resource key with the name its job must have."""
        return {JOB_KEY: self.job_name, MONITORING_JOB_KEY: self.monitoring_job_name}


def check_repo_name(name: str, settings: Settings) -> list[Violation]:
    """All rules `name` breaks; empty when it is a valid repository name."""
    rules = settings.naming
    example = example_repo_name(settings)
    if not name:
        return [Violation("empty", f"a name is required, for example '{example}'")]
    problems: list[Violation] = []
    if len(name) > rules.max_length:
        problems.append(
            Violation("max-length", f"{len(name)} characters is more than the {rules.max_length} allowed")
        )
    if not REPO_CHARSET.fullmatch(name):
        bad = sorted({c for c in name if not REPO_CHARSET.fullmatch(c)})
        shown = ", ".join(repr(c) for c in bad)
        problems.append(
            Violation("charset", f"only lowercase ASCII letters, digits and '-' are allowed; found {shown}")
        )
        return problems
    if name.startswith("-") or name.endswith("-") or "--" in name:
        problems.append(
            Violation("hyphens", "segments are joined by single hyphens, with none at either end")
        )
        return problems
    unit, _, rest = name.partition("-")
    domain, _, usecase = rest.partition("-")
    if unit not in settings.units:
        problems.append(Violation("unit", _unknown("unit", unit, sorted(settings.units))))
    if domain not in settings.domains:
        problems.append(Violation("domain", _unknown("domain", domain, list(settings.domains))))
    segments = usecase.split("-") if usecase else []
    if not rules.usecase_min <= len(segments) <= rules.usecase_max:
        problems.append(
            Violation(
                "usecase",
                f"the use case after '<unit>-<domain>-' needs {rules.usecase_min} to "
                f"{rules.usecase_max} segments, found {len(segments)}",
            )
        )
    for segment in segments:
        if not SEGMENT.fullmatch(segment):
            problems.append(
                Violation("usecase-segment", f"'{segment}' must start with a letter, then letters or digits")
            )
        if segment in rules.reserved_words:
            problems.append(
                Violation("reserved-word", f"'{segment}' is reserved ({', '.join(rules.reserved_words)})")
            )
    return problems


def suggest_repo_name(name: str, settings: Settings) -> str | None:
    """The closest valid name to `name`, or None when nothing sensible is near."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    segments = [s for s in re.split(r"[^a-z0-9]+", ascii_name) if s]
    if len(segments) < 3:
        return None
    unit = _closest(segments[0], sorted(settings.units))
    domain = _closest(segments[1], list(settings.domains))
    if unit is None or domain is None:
        return None
    usecase = [s for s in segments[2:] if SEGMENT.fullmatch(s) and s not in settings.naming.reserved_words][
        : settings.naming.usecase_max
    ]
    while usecase:
        candidate = "-".join([unit, domain, *usecase])
        if len(usecase) >= settings.naming.usecase_min and not check_repo_name(candidate, settings):
            return candidate
        usecase.pop()
    return None


def derive_names(repo_name: str, settings: Settings) -> DerivedNames:
    """Compute every downstream name; refuses a repo name that breaks a rule."""
    problems = check_repo_name(repo_name, settings)
    if problems:
        raise ValueError(format_problems(repo_name, problems, settings))
    unit, domain, usecase = repo_name.split("-", 2)
    usecase_id = usecase.replace("-", "_")
    return DerivedNames(
        repo=repo_name,
        unit=unit,
        domain=domain,
        usecase=usecase,
        package=repo_name.replace("-", "_"),
        uc_schema=f"{domain}_{usecase_id}",
        uc_model=f"{usecase_id}_model",
        job_name=f"{repo_name}-{JOB_KEY}",
        endpoint_name=f"{repo_name}-{ENDPOINT_KEY}",
        catalogs={env: f"{e.catalog_prefix}_{unit}" for env, e in settings.environments.items()},
    )


def may_create(team: str, repo_name: str, settings: Settings) -> Violation | None:
    """Whether `team` may create `repo_name`; None means allowed."""
    if team not in settings.teams:
        return Violation("team", _unknown("team", team, sorted(settings.teams)))
    allowed = settings.teams[team]
    unit = repo_name.split("-", 1)[0]
    if allowed == (ALL_UNITS,) or unit in allowed:
        return None
    teams = ", ".join(repr(name) for name in teams_for_unit(unit, settings))
    return Violation(
        "team-unit",
        f"team '{team}' may only create repositories of unit {', '.join(allowed)}, not '{unit}'; "
        f"for example {teams}",
    )


def teams_for_unit(unit: str, settings: Settings) -> list[str]:
    """The teams that may create repositories of `unit`: the unit's own teams first, then the platform's."""
    own = [team for team, units in settings.teams.items() if unit in units]
    everything = [team for team, units in settings.teams.items() if units == (ALL_UNITS,)]
    return own + everything


def format_problems(name: str, problems: list[Violation], settings: Settings) -> str:
    """One message for people: each broken rule, then a valid name to use."""
    lines = [f"{name!r} is not a valid repository name:"]
    lines += [f"  - {p}" for p in problems]
    suggestion = suggest_repo_name(name, settings)
    if suggestion:
        lines.append(f"did you mean '{suggestion}'?")
    lines.append(f"expected <unit>-<domain>-<usecase>, for example '{example_repo_name(settings)}'")
    return "\n".join(lines)


def check_python_package(name: str) -> list[Violation]:
    if not PYTHON_PACKAGE.fullmatch(name) or keyword.iskeyword(name):
        return [Violation("python-package", f"'{name}' is not a lowercase Python identifier")]
    return []


def check_uc_identifier(name: str) -> list[Violation]:
    if not UC_IDENTIFIER.fullmatch(name):
        return [
            Violation("uc-identifier", f"'{name}' must be lowercase letters, digits and '_', at most 255")
        ]
    return []


def check_job_name(name: str) -> list[Violation]:
    if not JOB_NAME.fullmatch(name):
        return [Violation("job-name", f"'{name}' must be lowercase letters, digits, '-' or '_', at most 100")]
    return []


def check_endpoint_name(name: str) -> list[Violation]:
    """Model Serving endpoint names: the workspace-wide name requests are sent to."""
    problems = []
    if not ENDPOINT_NAME.fullmatch(name):
        problems.append(
            Violation(
                "endpoint-name",
                f"'{name}' must be lowercase letters, digits, '-' or '_', starting with a letter or digit",
            )
        )
    if len(name) > ENDPOINT_NAME_MAX:
        problems.append(
            Violation("endpoint-length", f"'{name}' has {len(name)} characters, at most {ENDPOINT_NAME_MAX}")
        )
    if name.startswith(ENDPOINT_RESERVED_PREFIX):
        problems.append(
            Violation(
                "endpoint-reserved", f"'{name}' starts with '{ENDPOINT_RESERVED_PREFIX}', kept for Databricks"
            )
        )
    return problems


def check_tag_value(value: str) -> list[Violation]:
    if not value or len(value) > TAG_VALUE_MAX or TAG_VALUE_FORBIDDEN & set(value) or not value.isprintable():
        return [
            Violation(
                "tag-value", f"'{value}' must be 1-{TAG_VALUE_MAX} printable characters without <>%&\\?/"
            )
        ]
    return []


def check_github_repo(name: str) -> list[Violation]:
    if not GITHUB_REPO.fullmatch(name) or name in {".", ".."}:
        return [Violation("github-repo", f"'{name}' is not a valid GitHub repository name")]
    return []


def check_cost_center(value: str, settings: Settings) -> list[Violation]:
    """Cost reports group by this tag, so it must follow the org's pattern."""
    if re.fullmatch(settings.cost_center_pattern, value):
        return []
    return [
        Violation(
            "cost-center",
            f"{value!r} must match {settings.cost_center_pattern}, for example '{settings.cost_center_default}'",
        )
    ]


KIND_CHECKS: dict[str, Callable[[str], list[Violation]]] = {
    "package": check_python_package,
    "uc-catalog": check_uc_identifier,
    "uc-schema": check_uc_identifier,
    "uc-model": check_uc_identifier,
    "job": check_job_name,
    "endpoint": check_endpoint_name,
    "tag": check_tag_value,
    "github-repo": check_github_repo,
}
KINDS = ("repo", *KIND_CHECKS)


def check_name(name: str, kind: str, settings: Settings) -> list[Violation]:
    """Dispatch on `kind`; `repo` applies the convention, the others their system's rules."""
    if kind == "repo":
        return check_repo_name(name, settings)
    return KIND_CHECKS[kind](name)


def example_repo_name(settings: Settings) -> str:
    """A valid name built from the settings, for help texts and error messages."""
    unit, domain = next(iter(settings.units)), settings.domains[0]
    return f"{unit}-{domain}-demand-weekly"


def _closest(word: str, options: list[str]) -> str | None:
    if word in options:
        return word
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown(what: str, value: str, options: list[str]) -> str:
    message = f"{what} '{value}' is not one of {', '.join(options)}"
    close = _closest(value, options)
    return f"{message}; did you mean '{close}'?" if close and close != value else message
