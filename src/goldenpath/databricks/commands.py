"""`goldenpath databricks {preflight,verify,smoke,trace}` and the top-level `goldenpath trace`.

Progress goes to stderr, the result (text or `--json`) to stdout, a markdown
summary to `$GITHUB_STEP_SUMMARY`. A check that fails exits 1; a missing
bundle, an unknown target or profile, or refused credentials exit 2; a
workspace that does not answer exits 3 (`goldenpath.databricks.client`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath.commands import Commands, existing_directory
from goldenpath.console import EXIT_OK, EXIT_REFUSED, progress, write_step_summary
from goldenpath.databricks.bundle import BundleTarget, load_bundle, target_names
from goldenpath.errors import UsageError
from goldenpath.timeouts import add_request_timeout_option

if TYPE_CHECKING:  # databricks-sdk loads only in the commands that talk to a workspace
    from databricks.sdk import WorkspaceClient

    from goldenpath.databricks.findings import Report

DEFAULT_TIMEOUT = "30m"
DEFAULT_POLL_INTERVAL = 10.0
TRACE_SUMMARY = "trace commit <-> job run <-> MLflow run <-> model version, from any of them"
TRACE_DESCRIPTION = (
    "Follow the tags the generated pipeline writes: from a git sha, a job run id or a Unity Catalog "
    "model version to the others, in the workspace of the bundle's targets. Exit 1 when nothing traces."
)
TRACE_EXAMPLE = "goldenpath trace a1b2c3d --target acc"


def register(commands: Commands) -> None:
    databricks = commands.group(
        "databricks",
        summary="check a workspace before a deploy, prove the deployed job, smoke-run it, trace it",
        description="Talk to the Databricks workspace of a bundle target through databricks-sdk, with its "
        "own auth (environment or --profile). The central deploy workflow runs preflight, verify and smoke.",
        example="goldenpath databricks preflight --target acc",
    )
    check = databricks.add(
        "preflight",
        summary="check the workspace has what the target's job needs",
        description="Before a deploy: the credentials work, the run_as service principal exists and is "
        "active, the catalog and schema exist or may be created, the grants are there, and the node "
        "type and Spark version exist. Each failing check names its fix.",
        example="goldenpath databricks preflight --target acc --json",
        handler=_preflight,
    )
    _common(check, target_required=True)
    prove = databricks.add(
        "verify",
        summary="prove the deployed job matches the bundle for this commit",
        description="After a deploy: exactly one job of the bundle's name, with every required tag of "
        "this commit, run as the target's service principal, installing this version's wheel.",
        example="goldenpath databricks verify --target acc --git-sha 3f2c1e0 --version 0.1.0",
        handler=_verify,
    )
    _common(prove, target_required=True)
    prove.add_argument("--git-sha", required=True, help="the commit that was deployed")
    prove.add_argument("--version", required=True, help="the package version that was deployed")
    run = databricks.add(
        "smoke",
        summary="run the deployed job once and wait for SUCCESS (serving: then query the endpoint)",
        description="Start the deployed job, wait for it (cancelled at --timeout) and fail with the "
        "failing task's error; in a serving repo, then send serving_input.json to the endpoint.",
        example="goldenpath databricks smoke --target acc --timeout 45m",
        handler=_smoke,
    )
    _common(run, target_required=True)
    run.add_argument(
        "--timeout",
        default=DEFAULT_TIMEOUT,
        help="cancel the run after this long: 30m, 90s, 1h (default: 30m)",
    )
    run.add_argument(
        "--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, help="seconds between status checks"
    )
    trace = databricks.add(
        "trace",
        summary=TRACE_SUMMARY,
        description=TRACE_DESCRIPTION,
        example=TRACE_EXAMPLE.replace("goldenpath trace", "goldenpath databricks trace"),
        handler=_trace,
    )
    _trace_arguments(trace)


def register_trace(commands: Commands) -> None:
    """`goldenpath trace`, the same as `goldenpath databricks trace`: the question people ask most."""
    trace = commands.add(
        "trace", summary=TRACE_SUMMARY, description=TRACE_DESCRIPTION, example=TRACE_EXAMPLE, handler=_trace
    )
    _trace_arguments(trace)


def _trace_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="a git sha, a job run id, or a model <name>/<version>")
    _common(parser, target_required=False)


def _common(parser: argparse.ArgumentParser, target_required: bool) -> None:
    if target_required:
        parser.add_argument(
            "--target", required=True, help="bundle target (a key under targets: in databricks.yml)"
        )
    else:
        parser.add_argument("--target", help="only this bundle target (default: every target)")
    parser.add_argument("--profile", help="a ~/.databrickscfg profile (default: the SDK's auth environment)")
    parser.add_argument(
        "--path", type=existing_directory, default=Path(), help="the generated repository (default: .)"
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable result")
    add_request_timeout_option(parser)


def _preflight(args: argparse.Namespace) -> int:
    from goldenpath.databricks.preflight import preflight

    return _checked(args, lambda client, bundle: preflight(client, bundle))


def _verify(args: argparse.Namespace) -> int:
    from goldenpath.databricks.verify import verify

    return _checked(args, lambda client, bundle: verify(client, bundle, args.git_sha, args.version))


def _smoke(args: argparse.Namespace) -> int:
    from goldenpath.databricks.smoke import parse_duration, smoke

    try:
        timeout = parse_duration(args.timeout)
    except ValueError as exc:
        raise UsageError(f"--timeout: {exc}", "e.g. --timeout 30m") from None
    return _checked(args, lambda client, bundle: smoke(client, bundle, timeout, args.poll_interval))


def _checked(args: argparse.Namespace, run: Callable[[WorkspaceClient, BundleTarget], Report]) -> int:
    from goldenpath.databricks.client import workspace_client, workspace_failures

    bundle = load_bundle(args.path, args.target)
    client = workspace_client(args.profile, bundle.host, args.request_timeout)
    host = client.config.host or "the workspace"
    progress(f"goldenpath databricks: {bundle.name} target {bundle.target} on {host}")
    with workspace_failures(host):
        report = run(client, bundle)
    print(report.as_json() if args.json else report.as_text())
    write_step_summary(report.as_markdown())
    return report.exit_code


def _trace(args: argparse.Namespace) -> int:
    from goldenpath.databricks.client import workspace_client, workspace_failures
    from goldenpath.databricks.trace import Tracer, as_dict, as_table, classify

    classify(args.query)  # a bad query is refused before anything connects
    targets = [args.target] if args.target else target_names(args.path)
    bundles = [load_bundle(args.path, target) for target in targets]
    client = workspace_client(args.profile, bundles[0].host, args.request_timeout)
    with workspace_failures(client.config.host or "the workspace"):
        links = Tracer(client, bundles).trace(args.query)
    if args.json:
        print(json.dumps(as_dict(args.query, links), indent=2))
    else:
        print(as_table(args.query, links))
    write_step_summary(f"### goldenpath trace `{args.query}`\n\n```\n{as_table(args.query, links)}\n```\n")
    return EXIT_OK if links else EXIT_REFUSED
