{%- set gp = goldenpath(cookiecutter) -%}
"""Where a run happens and where it writes: one object the pipeline reads.

The same code runs on a laptop (`--env local`) and as the Databricks job
(`--env dev|acc|prd`, parameters set in resources/pipeline_job.yml), so
every difference between the two lives here and nowhere else.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("local", "dev", "acc", "prd")
PROJECT = "{{ gp.names.repo }}"
# Set by every Databricks Runtime; its absence means we are not on Databricks.
DATABRICKS_RUNTIME_VARIABLE = "DATABRICKS_RUNTIME_VERSION"
{%- if gp.serving %}
# The evaluation gate: a new model version becomes `champion`, the version the
# endpoint serves, only when this held-out metric reaches the threshold.
GATE_METRIC = "r2"
GATE_THRESHOLD = 0.35
CHAMPION_ALIAS = "{{ gp.ab.CHAMPION_ALIAS }}"
# Training tags every version it registers with the gate's result; `goldenpath ab start`
# accepts only a challenger that passed.
GATE_PASSED_TAG = "{{ gp.ab.GATE_PASSED_TAG }}"
GATE_METRIC_TAG = "{{ gp.ab.GATE_METRIC_TAG }}"
GATE_VALUE_TAG = "{{ gp.ab.GATE_VALUE_TAG }}"

# A/B testing (docs/ab-testing.md): while `challenger` names a version, the endpoint serves
# it to a sticky share of keys, and training leaves `champion` where it is.
CHALLENGER_ALIAS = "{{ gp.ab.CHALLENGER_ALIAS }}"
# The request column whose value picks the variant (resources/ab.yml may name another).
AB_KEY_COLUMN = "{{ gp.ab.DEFAULT_KEY_COLUMN }}"
ROUTER_TAG = "{{ gp.ab.ROUTER_TAG }}"
# The readout's two-sided test level, and the power its sample size is planned for.
AB_ALPHA = {{ gp.ab.ALPHA }}
AB_POWER = {{ gp.ab.POWER }}
AB_MIN_SAMPLE = {{ gp.ab.MIN_SAMPLE }}
AB_CONTINUOUS = "{{ gp.ab.CONTINUOUS }}"
AB_RATE = "{{ gp.ab.RATE }}"
AB_NOT_ENOUGH_DATA = "{{ gp.ab.NOT_ENOUGH_DATA }}"
AB_CHALLENGER_HIGHER = "{{ gp.ab.CHALLENGER_HIGHER }}"
AB_CHALLENGER_LOWER = "{{ gp.ab.CHALLENGER_LOWER }}"
AB_NO_DIFFERENCE = "{{ gp.ab.NO_DIFFERENCE }}"
{%- endif %}
{%- if cookiecutter.include_example %}

# Monitoring (goldenpath docs/monitoring.md): tables in the project's schema, and the
# columns the Lakehouse monitor in resources/monitoring.yml reads. goldenpath derives
# them from the repository name; `goldenpath check-repo` keeps the bundle in line.
BASELINE_TABLE = {{ gp.names.baseline_table | python_string }}
{%- if gp.serving %}
PAYLOAD_TABLE = {{ gp.names.payload_table | python_string }}
INFERENCE_TABLE = {{ gp.names.inference_table | python_string }}
{%- else %}
INPUT_TABLE = {{ gp.names.input_table | python_string }}
PREDICTIONS_TABLE = {{ gp.names.predictions_table | python_string }}
{%- endif %}
DRIFT_METRICS_TABLE = {{ gp.drift_metrics_table | python_string }}
ROW_ID = {{ gp.columns.row_id | python_string }}
PREDICTION = {{ gp.columns.prediction | python_string }}
MODEL_VERSION = {{ gp.columns.model_version | python_string }}
PREDICTED_AT = {{ gp.columns.timestamp | python_string }}
LABEL = {{ gp.columns.label | python_string }}
JOB_RUN_ID = {{ gp.columns.job_run_id | python_string }}
{%- if gp.serving %}
STATUS_CODE = {{ gp.columns.status_code | python_string }}
LATENCY_MS = {{ gp.columns.latency_ms | python_string }}
REQUEST_ID = {{ gp.columns.request_id | python_string }}
# During an A/B test, which variant answered each request (docs/ab-testing.md).
VARIANT = {{ gp.columns.variant | python_string }}
# The ab_readout task appends one row per variant per readout here; `goldenpath ab status` reads it.
READOUT_TABLE = {{ gp.names.readout_table | python_string }}
READOUT_SCHEMA = {{ gp.ab.READOUT_COLUMNS.items() | map("join", " ") | join(", ") | python_string }}
{%- endif %}
# Drift above the threshold alerts the team; with retrain_on_drift set for the target
# (databricks.yml), the drift_check task also starts the training job.
DRIFT_METRIC = {{ gp.monitoring.drift_metric | python_string }}
DRIFT_THRESHOLD = {{ gp.monitoring.drift_threshold }}
# Each feature's drift in the newest window: the drift alert runs the same query.
DRIFT_QUERY = {{ gp.drift_query("{table}") | python_string }}
{%- endif %}


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs to know about its surroundings."""

    env: str
    experiment: str
    tracking_uri: str | None
    git_sha: str
    catalog: str | None = None
    schema: str | None = None
    model_name: str | None = None
    job_id: str | None = None
    job_run_id: str | None = None

    @property
    def on_databricks(self) -> bool:
        return self.env != "local"

    def table(self, name: str) -> str | None:
        """`<catalog>.<schema>.<name>` in Unity Catalog, when the job passed catalog and schema."""
        if self.catalog and self.schema:
            return f"{self.catalog}.{self.schema}.{name}"
        return None

    @property
    def registered_model(self) -> str | None:
        """`<catalog>.<schema>.<model>` in Unity Catalog, when the job passed all three."""
        if self.catalog and self.schema and self.model_name:
            return f"{self.catalog}.{self.schema}.{self.model_name}"
        return None

    def run_tags(self) -> dict[str, str]:
        """Tags on every MLflow run, so a model can be traced to its commit and job run."""
        tags = {"project": PROJECT, "env": self.env, "git_sha": self.git_sha}
        if self.job_id:
            tags["databricks_job_id"] = self.job_id
        if self.job_run_id:
            tags["databricks_job_run_id"] = self.job_run_id
        return tags


def running_on_databricks(environ: dict[str, str] | None = None) -> bool:
    return DATABRICKS_RUNTIME_VARIABLE in (os.environ if environ is None else environ)


def local_tracking_uri(project_dir: Path) -> str:
    """A SQLite store in the project: MLflow 3 refuses a bare ./mlruns directory store."""
    return f"sqlite:///{(project_dir / 'mlflow.db').resolve()}"


def current_git_sha(project_dir: Path) -> str:
    """The commit being run, or "unknown" outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()
