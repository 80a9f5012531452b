"""The A/B experiment contract of a serving repo: one source for the template, check-repo and `goldenpath ab`.

An experiment is configuration in the repo, reviewed in a pull request and
applied by the deploy: `resources/ab.yml` declares bundle variables whose
defaults mean "no experiment" (and hold the project's primary metric), and a
section per target that runs one. `goldenpath ab` writes those sections; the
job's rollout and ab_readout tasks get the variables as parameters. The names
here (variables, aliases, tags, variants, the served entity's environment) are
read by the generated code, rendered into its config.py, and by the CLI, so
they are defined once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from goldenpath.naming import MONITOR_COLUMNS

AB_FILE = "resources/ab.yml"
# The monitoring job's task that reads the experiment out, after unpack_inference.
READOUT_TASK = "ab_readout"
CHAMPION_ALIAS = "champion"
CHALLENGER_ALIAS = "challenger"
# The variant each response names; `unassigned` rows (no key) are served by the champion
# and left out of the readout, since nothing randomised them.
CHAMPION = "champion"
CHALLENGER = "challenger"
UNASSIGNED = "unassigned"
DEFAULT_KEY_COLUMN = "customer_id"
PERCENT_MIN = 1
PERCENT_MAX = 50
CONTINUOUS = "continuous"  # Welch's t-test on the mean
RATE = "rate"  # 0/1 values: two-proportion z-test
METRIC_TYPES = (CONTINUOUS, RATE)
KPI_JOINS = ("request_id", "key")
# The readout's test level and the power the minimum detectable effect is planned for.
ALPHA = 0.05
POWER = 0.8
# The readout's verdicts: none but the first until the sample the minimum detectable effect needs is in.
NOT_ENOUGH_DATA = "not enough data yet"
CHALLENGER_HIGHER = "challenger higher"
CHALLENGER_LOWER = "challenger lower"
NO_DIFFERENCE = "no significant difference"
# Fewer observations than this per variant estimate a variance too poorly to plan on.
MIN_SAMPLE = 30
# The readout table: one row per variant per readout (the CLI reads it back), with Spark SQL types.
READOUT_COLUMNS = {
    "experiment": "STRING",  # the experiment's salt
    "readout_at": "TIMESTAMP",
    "start_date": "DATE",
    "metric": "STRING",
    "metric_type": "STRING",
    "mde": "DOUBLE",
    "alpha": "DOUBLE",
    "power": "DOUBLE",
    "variant": "STRING",
    "model_version": "STRING",
    "n": "BIGINT",
    "mean": "DOUBLE",
    "ci_low": "DOUBLE",
    "ci_high": "DOUBLE",
    "required_n": "BIGINT",  # empty until both variants hold the minimum sample
    "can_conclude": "BOOLEAN",
    "verdict": "STRING",
    "test": "STRING",  # empty, like the effect and p-value, until the experiment can conclude
    "effect": "DOUBLE",
    "effect_ci_low": "DOUBLE",
    "effect_ci_high": "DOUBLE",
    "p_value": "DOUBLE",
}
# Each prediction during an experiment, as the router answers it: the unpacked table's columns.
PREDICTION_FIELD = MONITOR_COLUMNS.prediction
VARIANT_FIELD = MONITOR_COLUMNS.variant
MODEL_VERSION_FIELD = MONITOR_COLUMNS.model_version
# Model version tags. Training writes the gate's result on every version it registers,
# so `ab start` can refuse a challenger that did not pass it.
GATE_PASSED_TAG = "gate_passed"
GATE_METRIC_TAG = "gate_metric"
GATE_VALUE_TAG = "gate_value"
# The rollout registers the router (both versions in one pyfunc) as a version tagged so.
ROUTER_TAG = "ab_router"
# `ab promote` and `ab abort` record the experiment on the challenger's version.
OUTCOME_TAG = "ab_outcome"  # promoted | aborted
EXPERIMENT_TAG = "ab_experiment"  # the experiment's salt, its id
ENDED_TAG = "ab_ended"  # ISO date
READOUT_TAG = "ab_readout"  # the last readout, compact JSON
PROMOTED = "promoted"
ABORTED = "aborted"
# What the endpoint serves during an experiment, on its served entity's environment.
ENVIRONMENT = {
    "champion": "AB_CHAMPION_VERSION",
    "challenger": "AB_CHALLENGER_VERSION",
    "percent": "AB_CHALLENGER_PERCENT",
    "salt": "AB_SALT",
    "key": "AB_KEY",
}
_VERSION = re.compile(r"[1-9][0-9]*")
COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a column name: the key, the metric
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){2}")
_SALT = re.compile(r"[A-Za-z0-9_.-]{4,64}")


@dataclass(frozen=True)
class Experiment:
    """One target's experiment, every value resolved (the target's override, else the default)."""

    challenger: str  # a model version number in the target's Unity Catalog model
    percent: int
    salt: str
    start_date: date
    key: str  # "" means the project's AB_KEY_COLUMN (config.py)
    metric: str
    metric_type: str
    mde: float
    kpi_table: str  # "" means the metric is a column of the unpacked inference table
    kpi_join: str

    def variables(self) -> dict[str, str]:
        """The experiment as the bundle variables that hold it."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["start_date"] = self.start_date.isoformat()
        return {VARIABLES[name]: _text(value) for name, value in values.items()}


# Experiment field -> bundle variable, with its description and the default meaning "no experiment".
VARIABLES = {f.name: f"ab_{f.name}" for f in fields(Experiment)}
DESCRIPTIONS = {
    "challenger": "Challenger model version in this target's model; empty: no experiment, the champion serves all",
    "percent": f"Share of keys the challenger serves, {PERCENT_MIN}-{PERCENT_MAX} (percent)",
    "salt": "Salt of the key hash, new for each experiment so each draws a fresh challenger group",
    "start_date": "First day the readout counts (YYYY-MM-DD)",
    "key": "Request column hashed to pick the variant; empty: AB_KEY_COLUMN in config.py",
    "metric": "Primary metric: a column of the unpacked inference table, or of ab_kpi_table",
    "metric_type": f"{CONTINUOUS} (Welch's t-test on the mean) or {RATE} (0/1 values, two-proportion z-test)",
    "mde": "Minimum detectable effect: the smallest difference worth finding, in the metric's unit",
    "kpi_table": "Optional label or KPI table (catalog.schema.table) holding the metric; empty: none",
    "kpi_join": "How KPI rows join requests: request_id, or key (the assignment key)",
}
NO_EXPERIMENT = {"challenger": "", "percent": "0", "salt": "", "start_date": "", "key": ""}
# The example's primary metric, until a project names its own KPI.
EXAMPLE_METRIC = {
    "metric": "prediction",
    "metric_type": CONTINUOUS,
    "mde": "5.0",
    "kpi_table": "",
    "kpi_join": "request_id",
}


def _text(value: Any) -> str:
    return str(value) if not isinstance(value, float) else repr(value)


@dataclass(frozen=True)
class Problem:
    """A value of the experiment config that is not well-formed: where, and what would be right."""

    target: str | None  # None: the variables' defaults
    variable: str
    message: str


@dataclass(frozen=True)
class AbFile:
    """`resources/ab.yml` as written: variable defaults and per-target overrides, all as text."""

    defaults: dict[str, str]
    targets: dict[str, dict[str, str]]

    def values(self, target: str) -> dict[str, str]:
        """Every experiment field for `target`: its override, else the default."""
        overrides = self.targets.get(target, {})
        return {
            name: overrides.get(variable, self.defaults.get(variable, ""))
            for name, variable in VARIABLES.items()
        }

    def running(self, target: str) -> bool:
        return bool(self.values(target)["challenger"])

    def experiment(self, target: str) -> Experiment | None:
        """The target's experiment, None when it runs none; refuses a malformed one."""
        if not self.running(target):
            return None
        problems = self.problems(target)
        if problems:
            raise ValueError("; ".join(f"{p.variable}: {p.message}" for p in problems))
        values = self.values(target)
        return Experiment(
            challenger=values["challenger"],
            percent=int(values["percent"]),
            salt=values["salt"],
            start_date=date.fromisoformat(values["start_date"]),
            key=values["key"],
            metric=values["metric"],
            metric_type=values["metric_type"],
            mde=float(values["mde"]),
            kpi_table=values["kpi_table"],
            kpi_join=values["kpi_join"],
        )

    def problems(self, target: str | None) -> list[Problem]:
        """What is malformed in the defaults (`target` None) or in one target's resolved experiment."""
        if target is None:
            found = [
                Problem(None, v, "is not declared; the job's tasks and `goldenpath ab` read it")
                for v in VARIABLES.values()
                if v not in self.defaults
            ]
            if self.defaults.get(VARIABLES["challenger"]):
                found.append(
                    Problem(
                        None,
                        VARIABLES["challenger"],
                        "has a default, which would run the experiment in every target; keep it empty "
                        "and start an experiment per target with `goldenpath ab start --target T`",
                    )
                )
            return found + _metric_problems(None, {n: self.defaults.get(v, "") for n, v in VARIABLES.items()})
        values = self.values(target)
        if not values["challenger"]:
            return []
        return _experiment_problems(target, values) + _metric_problems(target, values)


def _experiment_problems(target: str, values: dict[str, str]) -> list[Problem]:
    found: list[Problem] = []

    def problem(name: str, message: str) -> None:
        found.append(Problem(target, VARIABLES[name], message))

    if not _VERSION.fullmatch(values["challenger"]):
        problem("challenger", f"is {values['challenger']!r}; expected a model version number such as '2'")
    if not (values["percent"].isdigit() and PERCENT_MIN <= int(values["percent"]) <= PERCENT_MAX):
        problem(
            "percent",
            f"is {values['percent']!r}; expected a whole number from {PERCENT_MIN} to {PERCENT_MAX}",
        )
    if not _SALT.fullmatch(values["salt"]):
        problem("salt", f"is {values['salt']!r}; expected 4-64 letters, digits, '.', '_' or '-'")
    try:
        date.fromisoformat(values["start_date"])
    except ValueError:
        problem("start_date", f"is {values['start_date']!r}; expected a date as YYYY-MM-DD")
    if values["key"] and not COLUMN.fullmatch(values["key"]):
        problem("key", f"is {values['key']!r}; expected a column name (letters, digits, '_')")
    return found


def _metric_problems(target: str | None, values: dict[str, str]) -> list[Problem]:
    found: list[Problem] = []

    def problem(name: str, message: str) -> None:
        found.append(Problem(target, VARIABLES[name], message))

    if not COLUMN.fullmatch(values["metric"]):
        problem("metric", f"is {values['metric']!r}; expected a column name such as 'prediction'")
    if values["metric_type"] not in METRIC_TYPES:
        problem("metric_type", f"is {values['metric_type']!r}; expected one of {', '.join(METRIC_TYPES)}")
    try:
        mde = float(values["mde"])
    except ValueError:
        mde = math.nan
    if not (math.isfinite(mde) and mde > 0):
        problem("mde", f"is {values['mde']!r}; expected a positive number in the metric's unit")
    elif values["metric_type"] == RATE and mde >= 1:
        problem("mde", f"is {values['mde']!r}; a rate's effect is a difference of proportions, below 1")
    if values["kpi_table"] and not _TABLE.fullmatch(values["kpi_table"]):
        problem("kpi_table", f"is {values['kpi_table']!r}; expected catalog.schema.table, or empty")
    if values["kpi_join"] not in KPI_JOINS:
        problem("kpi_join", f"is {values['kpi_join']!r}; expected one of {', '.join(KPI_JOINS)}")
    return found


class AbFileError(ValueError):
    """resources/ab.yml is missing or not the shape the bundle and `goldenpath ab` read."""


def read_ab_file(root: Path) -> AbFile:
    path = root / AB_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AbFileError(
            f"{path} is missing; a serving repo declares its experiment variables there"
        ) from None
    return parse_ab_file(text, str(path))


def parse_ab_file(text: str, where: str) -> AbFile:
    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise AbFileError(f"{where} is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise AbFileError(f"{where} must be a YAML mapping of variables and targets")
    defaults: dict[str, str] = {}
    for name, spec in (loaded.get("variables") or {}).items():
        default = spec.get("default", "") if isinstance(spec, dict) else ""
        defaults[str(name)] = "" if default is None else _text(default)
    targets: dict[str, dict[str, str]] = {}
    for target, body in (loaded.get("targets") or {}).items():
        overrides = (body or {}).get("variables") if isinstance(body, dict) else None
        targets[str(target)] = {str(k): "" if v is None else _text(v) for k, v in (overrides or {}).items()}
    return AbFile(defaults, targets)


TARGETS_MARKER = "targets:"


def write_target(root: Path, target: str, experiment: Experiment | None, *, dry_run: bool = False) -> bool:
    """Set (or, with None, remove) `target`'s experiment in resources/ab.yml; False when it already was.

    With `dry_run`, only says whether it would change the file.
    """
    path = root / AB_FILE
    text = path.read_text(encoding="utf-8")
    wanted = with_target(text, target, experiment)
    if wanted is None:
        return False
    if not dry_run:
        path.write_text(wanted, encoding="utf-8")
    return True


def with_target(text: str, target: str, experiment: Experiment | None) -> str | None:
    """resources/ab.yml's `text` running `experiment` in `target` (None: none); None when it already does.

    Only the `targets:` section at the end of the file is rewritten, so the
    variables above it keep their comments and any default a person edited.
    """
    current = parse_ab_file(text, AB_FILE)
    targets = {name: dict(values) for name, values in current.targets.items()}
    if experiment is None:
        targets.pop(target, None)
    else:
        targets[target] = {
            k: v
            for k, v in experiment.variables().items()
            if current.defaults.get(k) != v or k in NO_EXPERIMENT_VARIABLES
        }
    if targets == current.targets:
        return None
    section = ""
    if targets:
        body = {name: {"variables": values} for name, values in targets.items()}
        section = yaml.safe_dump({"targets": body}, sort_keys=False, default_flow_style=False)
    return _before_targets(text) + section


NO_EXPERIMENT_VARIABLES = frozenset(VARIABLES[name] for name in NO_EXPERIMENT)


def _before_targets(text: str) -> str:
    """The file up to its top-level `targets:` line (all of it when there is none), ending in a newline."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.rstrip() == TARGETS_MARKER or line.startswith(TARGETS_MARKER + " "):
            return "".join(lines[:index])
    return text if text.endswith("\n") or not text else text + "\n"
