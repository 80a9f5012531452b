{%- set gp = goldenpath(cookiecutter) -%}
"""Entry point: `{{ gp.names.repo }}` locally, and the Databricks job's python_wheel_task.

The job passes its parameters as command-line arguments (resources/pipeline_job.yml),
so `--help` documents exactly what the job can be given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from {{ gp.names.package }} import {% if cookiecutter.include_example %}monitoring, {% endif %}pipeline{% if gp.serving %}, serving{% endif %}
from {{ gp.names.package }}.config import (
    ENVIRONMENTS,
    PROJECT,
    RunConfig,
    current_git_sha,
    local_tracking_uri,
    running_on_databricks,
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROJECT, description=__doc__)
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local", help="where it runs")
    parser.add_argument("--catalog", help="Unity Catalog catalog (set by the job per target)")
    parser.add_argument("--schema", help="Unity Catalog schema (set by the job)")
    parser.add_argument("--model-name", help="model name inside the schema (set by the job)")
    parser.add_argument("--experiment", help="MLflow experiment (default: the project name)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: ./mlflow.db locally)")
    parser.add_argument("--git-sha", help="commit being run (default: git rev-parse HEAD)")
    parser.add_argument("--job-id", help="Databricks job id ({% raw %}{{job.id}}{% endraw %})")
    parser.add_argument("--job-run-id", help="Databricks job run id ({% raw %}{{job.run_id}}{% endraw %})")
    pipeline.add_arguments(parser)
{%- if cookiecutter.include_example %}
    monitoring.add_arguments(parser)
{%- endif %}
{%- if gp.serving %}
    serving.add_arguments(parser)
{%- endif %}
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace, project_dir: Path) -> RunConfig:
    """Local runs default to a store in the project; Databricks runs to the workspace."""
    if args.env == "local" and running_on_databricks():
        raise SystemExit("--env local was given on Databricks; pass --env dev, acc or prd")
    if args.env != "local" and not running_on_databricks():
        raise SystemExit(f"--env {args.env} runs on Databricks only; use --env local here")
    local = args.env == "local"
    return RunConfig(
        env=args.env,
        experiment=args.experiment or PROJECT,
        tracking_uri=args.tracking_uri or (local_tracking_uri(project_dir) if local else None),
        git_sha=args.git_sha or current_git_sha(project_dir),
        catalog=args.catalog,
        schema=args.schema,
        model_name=args.model_name,
        job_id=args.job_id,
        job_run_id=args.job_run_id,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = build_config(args, Path.cwd())
{%- if cookiecutter.include_example %}
    if args.task != monitoring.TRAIN:
        result = monitoring.run(config, args)
    else:
        result = {% if gp.serving %}serving.run{% else %}pipeline.run{% endif %}(config, args)
{%- else %}
    result = pipeline.run(config, args)
{%- endif %}
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
