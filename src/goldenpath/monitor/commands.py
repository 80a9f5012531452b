"""`goldenpath monitor status --target T [--json]`: drift and monitor health, exit 1 to gate a workflow on."""

from __future__ import annotations

import argparse

from goldenpath.commands import Commands
from goldenpath.console import progress, write_step_summary
from goldenpath.errors import Outage, UsageError


def register(commands: Commands) -> None:
    monitor = commands.group(
        "monitor",
        summary="a deployed target's monitoring: drift, monitor health, alert, retraining decisions",
        description="Read a generated repo's monitoring in the Databricks workspace of a bundle target, "
        "with the same auth as `goldenpath databricks`.",
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
    status.add_argument(
        "--target", required=True, help="bundle target (a key under targets: in databricks.yml)"
    )
    status.add_argument("--profile", help="a ~/.databrickscfg profile (default: the SDK's auth environment)")
    status.add_argument("--path", default=".", help="the generated repository (default: .)")
    status.add_argument(
        "--json", action="store_true", help="print the machine-readable result (docs/monitoring.md)"
    )


def run_status(args: argparse.Namespace) -> int:
    # Imported here: databricks-sdk loads only in commands that talk to a workspace.
    from goldenpath.databricks.bundle import BundleError, load_bundle
    from goldenpath.databricks.client import ClientConfigError, workspace_client
    from goldenpath.databricks.monitoring import monitoring_target
    from goldenpath.monitor.status import monitor_status
    from goldenpath.settings import load_settings

    try:
        bundle = load_bundle(args.path, args.target)
        client = workspace_client(args.profile, bundle.host)
    except (BundleError, ClientConfigError) as exc:
        raise UsageError(str(exc)) from None
    monitoring = monitoring_target(bundle, load_settings())
    progress(f"goldenpath monitor: {bundle.name} target {bundle.target} on {client.config.host}")
    try:
        status = monitor_status(client, bundle, monitoring)
    except OSError as exc:  # DatabricksError and requests' errors: the workspace refused or failed
        raise Outage(f"{client.config.host} failed a request: {exc}") from exc
    print(status.as_json() if args.json else status.as_text())
    write_step_summary(status.as_markdown())
    return status.exit_code
