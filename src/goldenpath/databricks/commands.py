"""`goldenpath databricks {preflight,verify,smoke,trace}` and the top-level `goldenpath trace`.

Progress goes to stderr, the result (text or `--json`) to stdout, a markdown
summary to `$GITHUB_STEP_SUMMARY`. Exit codes: 0 ok, 1 a check failed, 2 usage
or configuration error (no bundle, unknown target, no Databricks auth).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from goldenpath.console import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, progress, write_step_summary
from goldenpath.databricks.bundle import BundleError, BundleTarget, load_bundle, target_names

if TYPE_CHECKING:  # databricks-sdk loads only in the commands that talk to a workspace
    from databricks.sdk import WorkspaceClient

    from goldenpath.databricks.findings import Report

DEFAULT_TIMEOUT = "30m"
DEFAULT_POLL_INTERVAL = 10.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    databricks = commands.add_parser(
        "databricks", help="check, verify, smoke-run and trace Databricks deploys"
    )
    sub = databricks.add_subparsers(required=True, metavar="COMMAND")

    check = sub.add_parser("preflight", help="check the workspace has what the target's job needs")
    _common(check, target_required=True)
    check.set_defaults(handler=_preflight)

    prove = sub.add_parser("verify", help="prove the deployed job matches the bundle for this commit")
    _common(prove, target_required=True)
    prove.add_argument("--git-sha", required=True, help="the commit that was deployed")
    prove.add_argument("--version", required=True, help="the package version that was deployed")
    prove.set_defaults(handler=_verify)

    run = sub.add_parser("smoke", help="run the deployed job once and wait for SUCCESS")
    _common(run, target_required=True)
    run.add_argument(
        "--timeout", default=DEFAULT_TIMEOUT, help="cancel the run after this long (default: 30m)"
    )
    run.add_argument(
        "--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, help="seconds between status checks"
    )
    run.set_defaults(handler=_smoke)

    for parser in (sub.add_parser("trace", help=TRACE_HELP), commands.add_parser("trace", help=TRACE_HELP)):
        parser.add_argument("query", help="a git sha, a job run id, or a model <name>/<version>")
        _common(parser, target_required=False)
        parser.set_defaults(handler=_trace)


TRACE_HELP = "trace commit <-> job run <-> MLflow run <-> model version, from any of them"


def _common(parser: argparse.ArgumentParser, target_required: bool) -> None:
    if target_required:
        parser.add_argument(
            "--target", required=True, help="bundle target (a key under targets: in databricks.yml)"
        )
    else:
        parser.add_argument("--target", help="only this bundle target (default: every target)")
    parser.add_argument("--profile", help="a ~/.databrickscfg profile (default: the SDK's auth environment)")
    parser.add_argument("--path", default=".", help="the generated repository (default: .)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable result")


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
        return _usage(f"--timeout: {exc}")
    return _checked(args, lambda client, bundle: smoke(client, bundle, timeout, args.poll_interval))


def _checked(args: argparse.Namespace, run: Callable[[WorkspaceClient, BundleTarget], Report]) -> int:
    from goldenpath.databricks.client import ClientConfigError, workspace_client

    try:
        bundle = load_bundle(args.path, args.target)
        client = workspace_client(args.profile, bundle.host)
    except (BundleError, ClientConfigError) as exc:
        return _usage(str(exc))
    progress(f"goldenpath databricks: {bundle.name} target {bundle.target} on {client.config.host}")
    try:
        report = run(client, bundle)
    except OSError as exc:  # DatabricksError and requests' errors: the workspace refused or failed
        return _workspace_failed(client, exc)
    print(report.as_json() if args.json else report.as_text())
    write_step_summary(report.as_markdown())
    return report.exit_code


def _trace(args: argparse.Namespace) -> int:
    from goldenpath.databricks.client import ClientConfigError, workspace_client
    from goldenpath.databricks.trace import TraceQueryError, Tracer, as_dict, as_table, classify

    try:
        classify(args.query)  # a bad query is refused before anything connects
        targets = [args.target] if args.target else target_names(args.path)
        bundles = [load_bundle(args.path, target) for target in targets]
        client = workspace_client(args.profile, bundles[0].host)
    except (BundleError, ClientConfigError, TraceQueryError) as exc:
        return _usage(str(exc))
    try:
        links = Tracer(client, bundles).trace(args.query)
    except OSError as exc:
        return _workspace_failed(client, exc)
    if args.json:
        print(json.dumps(as_dict(args.query, links), indent=2))
    else:
        print(as_table(args.query, links))
    write_step_summary(f"### goldenpath trace `{args.query}`\n\n```\n{as_table(args.query, links)}\n```\n")
    return EXIT_OK if links else EXIT_REFUSED


def _workspace_failed(client: WorkspaceClient, exc: OSError) -> int:
    """Nothing was changed; the same command can simply run again once the workspace answers."""
    print(f"goldenpath: {client.config.host} failed the request: {exc}", file=sys.stderr)
    return EXIT_REFUSED


def _usage(message: str) -> int:
    print(f"goldenpath: {message}", file=sys.stderr)
    return EXIT_USAGE
