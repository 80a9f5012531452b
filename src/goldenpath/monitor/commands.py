"""`goldenpath monitor status` (drift and monitor health, exit 1 to gate a workflow on) and
`goldenpath monitor prepare` (the tables a first deploy's monitor needs)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath.commands import Commands, existing_directory
from goldenpath.console import EXIT_OK, progress, write_step_summary
from goldenpath.timeouts import add_request_timeout_option

if TYPE_CHECKING:  # databricks-sdk loads only in commands that talk to a workspace
    from databricks.sdk import WorkspaceClient

    from goldenpath.databricks.bundle import BundleTarget
    from goldenpath.databricks.monitoring import MonitoringTarget


def register(commands: Commands) -> None:
    monitor = commands.group(
        "monitor",
        summary="a deployed target's monitoring: drift, monitor health, alert, retraining decisions",
        description="Read and prepare a generated repo's monitoring in the Databricks workspace of a bundle "
        "target, with the same auth as `goldenpath databricks`.",
        example="goldenpath monitor status --target prd",
    )
    status = monitor.add(
        "status",
        summary="the monitor's last refresh, each feature's drift against the threshold, the alert, drift_check",
        description="Show the Lakehouse monitor's state and last refresh, each feature's drift in the newest "
        "window (the drift alert's query, run on the environment's SQL warehouse), the drift alert's state "
        "and the last drift_check decision. Exit 1 when drift is above the threshold or the monitor is "
        "failing (missing, in error, or its last refresh failed), so a workflow can gate on it.",
        example="goldenpath monitor status --target acc --json",
        handler=run_status,
    )
    _target_arguments(status)
    status.add_argument(
        "--json", action="store_true", help="print the machine-readable result (docs/databricks.md)"
    )
    prepare = monitor.add(
        "prepare",
        summary="create the monitored and baseline tables, empty, where they do not exist yet",
        description="Databricks creates a quality monitor only on a table that exists, and the job writes its "
        "tables on its first run, after the deploy. Before a deploy, create the monitored table and the "
        "baseline table with the monitor's columns (docs/monitoring.md) on the environment's SQL warehouse, "
        "each only if it is missing. A bundle without a monitor needs nothing.",
        example="goldenpath monitor prepare --target acc --dry-run",
        handler=run_prepare,
    )
    _target_arguments(prepare)
    prepare.add_argument("--dry-run", action="store_true", help="say what would be created, create nothing")
    prepare.add_argument("--json", action="store_true", help="print the machine-readable result")


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    """What every `goldenpath databricks` command takes too: the target, the SDK's auth, the repo."""
    parser.add_argument(
        "--target", required=True, help="bundle target (a key under targets: in databricks.yml)"
    )
    parser.add_argument("--profile", help="a ~/.databrickscfg profile (default: the SDK's auth environment)")
    parser.add_argument(
        "--path", type=existing_directory, default=Path(), help="the generated repository (default: .)"
    )
    add_request_timeout_option(parser)


def _connect(args: argparse.Namespace) -> tuple[BundleTarget, WorkspaceClient, MonitoringTarget]:
    from goldenpath.databricks.bundle import load_bundle
    from goldenpath.databricks.client import workspace_client
    from goldenpath.databricks.monitoring import monitoring_target
    from goldenpath.settings import load_settings

    bundle = load_bundle(args.path, args.target)
    monitoring = monitoring_target(bundle, load_settings())
    client = workspace_client(args.profile, bundle.host, args.request_timeout)
    progress(f"goldenpath monitor: {bundle.name} target {bundle.target} on {client.config.host}")
    return bundle, client, monitoring


def run_status(args: argparse.Namespace) -> int:
    from goldenpath.databricks.client import workspace_failures
    from goldenpath.monitor.status import monitor_status

    bundle, client, monitoring = _connect(args)
    with workspace_failures(client.config.host or "the workspace"):
        status = monitor_status(client, bundle, monitoring)
    print(status.as_json() if args.json else status.as_text())
    write_step_summary(status.as_markdown())
    return status.exit_code


def run_prepare(args: argparse.Namespace) -> int:
    from goldenpath.databricks.client import workspace_failures
    from goldenpath.monitor.prepare import prepare_tables

    bundle, client, monitoring = _connect(args)
    with workspace_failures(client.config.host or "the workspace"):
        prepared = prepare_tables(client, bundle, monitoring, args.dry_run)
    print(prepared.as_json() if args.json else prepared.as_text())
    write_step_summary(prepared.as_markdown())
    return EXIT_OK
