"""`goldenpath ab start|status|promote|abort`: A/B tests of a serving repo's endpoint.

Run in a generated serving repo, with databricks-sdk's auth (`--profile` or
the environment) like `goldenpath databricks`. Progress goes to stderr, the
result (text or `--json`) to stdout, a summary to `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING

from goldenpath.ab.target import DEFAULT_TARGET
from goldenpath.commands import Commands
from goldenpath.console import EXIT_OK, progress, write_step_summary

if TYPE_CHECKING:  # databricks-sdk loads only when a command runs
    from goldenpath.ab.lifecycle import Change, LatestReadout
    from goldenpath.ab.readout import Warehouse
    from goldenpath.ab.target import AbTarget
    from goldenpath.databricks.registry import Registry


def register(commands: Commands) -> None:
    ab = commands.group(
        "ab",
        summary="A/B test a serving repo's challenger model against its champion, sticky per customer",
        description="Start, watch and end an A/B test of the endpoint of a generated serving repo. The "
        "test is configuration in resources/ab.yml, reviewed in a pull request (--open-pr) and applied "
        "by the deploy; each customer (the key column) keeps one model for the whole test.",
        example="goldenpath ab start --challenger 2 --percent 10 --open-pr",
    )
    start = ab.add(
        "start",
        summary="set the challenger alias and write the test into resources/ab.yml",
        description="Check that the version exists in Unity Catalog, passed the champion gate and is not "
        "the champion, that P is 1-50 and that no other test runs; then point the `challenger` alias at it "
        "and write the test. Run again with a higher --percent to raise the share: keys only move from the "
        "champion to the challenger.",
        example="goldenpath ab start --challenger 2 --percent 10 --open-pr",
        handler=run_start,
    )
    start.add_argument("--challenger", required=True, help="model version number, or an alias naming one")
    start.add_argument(
        "--percent", required=True, type=_whole, help="share of keys the challenger serves, 1-50"
    )
    start.add_argument("--key", help="request column to assign by (default: AB_KEY_COLUMN in config.py)")
    _writes(start)
    status = ab.add(
        "status",
        summary="the split, traffic per variant, the newest readout; exit 1 until it can conclude",
        description="Show the test in resources/ab.yml, the aliases, whether the endpoint serves it, the "
        "requests per variant since the start and the newest readout of the ab_readout task. Exit 0 "
        "once the readout can conclude (promote or abort now), 1 before that or when no test runs.",
        example="goldenpath ab status --json",
        handler=run_status,
    )
    _common(status)
    promote = ab.add(
        "promote",
        summary="make the challenger champion, record the readout on its version, end the test",
        description="On a readout that can conclude (and did not find the challenger worse): tag the "
        "challenger's version with the readout, move `champion` to it, delete `challenger`, and remove "
        "the test from resources/ab.yml.",
        example="goldenpath ab promote --open-pr",
        handler=run_promote,
    )
    _writes(promote)
    abort = ab.add(
        "abort",
        summary="end the test: everyone back to the champion once deployed",
        description="Tag the challenger's version with how the test ended, delete the `challenger` alias "
        "and remove the test from resources/ab.yml; the deploy then serves the champion to everyone.",
        example="goldenpath ab abort --open-pr",
        handler=run_abort,
    )
    _writes(abort)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", default=DEFAULT_TARGET, help=f"bundle target (default: {DEFAULT_TARGET}, where users are)"
    )
    parser.add_argument("--profile", help="a ~/.databrickscfg profile (default: the SDK's auth environment)")
    parser.add_argument("--path", default=".", help="the generated serving repository (default: .)")
    parser.add_argument("--json", action="store_true", help="print the machine-readable result")


def _writes(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument(
        "--open-pr",
        action="store_true",
        help="open a pull request with the change (GITHUB_TOKEN, GITHUB_REPOSITORY); without it, commit it yourself",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of percent, such as 10") from None


def _connect(args: argparse.Namespace) -> tuple[AbTarget, Registry]:
    from goldenpath.ab.target import load_target
    from goldenpath.databricks.client import workspace_client
    from goldenpath.databricks.registry import Registry

    target = load_target(args.path, args.target)
    client = workspace_client(args.profile, target.bundle.host)
    progress(
        f"goldenpath ab: {target.bundle.name} target {target.name}, model {target.model} on {client.config.host}"
    )
    return target, Registry(client, target.model)


def _latest(target: AbTarget, registry: Registry) -> LatestReadout:
    """How the lifecycle reads the newest readout: on the environment's warehouse."""
    from goldenpath.ab.readout import latest_readout

    warehouse, tables = _warehouse(target, registry)
    return lambda experiment: latest_readout(warehouse, tables["readout"], experiment)


def _warehouse(target: AbTarget, registry: Registry) -> tuple[Warehouse, dict[str, str]]:
    from goldenpath.ab.readout import Warehouse
    from goldenpath.databricks.monitoring import monitoring_target
    from goldenpath.settings import load_settings

    monitoring = monitoring_target(target.bundle, load_settings())
    warehouse = Warehouse(registry.client, monitoring.warehouse_id, monitoring.warehouse_setting)
    tables = {
        "readout": monitoring.table(monitoring.names.readout_table),
        "inference": monitoring.table(monitoring.names.inference_table),
    }
    return warehouse, tables


def run_start(args: argparse.Namespace) -> int:
    from goldenpath.ab.lifecycle import check_request, start
    from goldenpath.databricks.client import workspace_failures

    check_request(args.percent, args.key)
    target, registry = _connect(args)
    with workspace_failures(registry.host):
        change = start(
            target,
            registry,
            args.challenger,
            args.percent,
            args.key,
            today=date.today(),
            dry_run=args.dry_run,
        )
    return _finish(args, target, change)


def run_promote(args: argparse.Namespace) -> int:
    from goldenpath.ab.lifecycle import promote
    from goldenpath.databricks.client import workspace_failures

    target, registry = _connect(args)
    with workspace_failures(registry.host):
        change = promote(
            target, registry, _latest(target, registry), today=date.today(), dry_run=args.dry_run
        )
    return _finish(args, target, change)


def run_abort(args: argparse.Namespace) -> int:
    from goldenpath.ab.lifecycle import abort
    from goldenpath.databricks.client import workspace_failures

    target, registry = _connect(args)
    with workspace_failures(registry.host):
        change = abort(target, registry, _latest(target, registry), today=date.today(), dry_run=args.dry_run)
    return _finish(args, target, change)


def run_status(args: argparse.Namespace) -> int:
    from goldenpath.ab.status import ab_status
    from goldenpath.databricks.client import workspace_failures

    target, registry = _connect(args)
    warehouse, tables = _warehouse(target, registry)
    with workspace_failures(registry.host):
        status = ab_status(registry.client, target, registry, warehouse, tables)
    print(status.as_json() if args.json else status.as_text())
    write_step_summary(status.as_markdown())
    return status.exit_code


def _finish(args: argparse.Namespace, target: AbTarget, change: Change) -> int:
    """resources/ab.yml: written here, or proposed in a pull request; then the result and what happens next."""
    from goldenpath.ab import steps
    from goldenpath.github.reconcile import UNCHANGED

    if args.open_pr:
        from goldenpath.ab.github import open_pull_request

        change.steps += open_pull_request(target, change, dry_run=args.dry_run)
    else:
        change.steps.append(steps.write_config(target, change.experiment, args.dry_run))
    config = [step for step in change.steps if step.name.startswith(("resources/", "branch "))]
    changed = any(step.result != UNCHANGED for step in config)
    lines = [change.title if change.challenger else f"A/B test in {target.name}: none runs"]
    lines += [f"  {step.line}" for step in change.steps]
    lines.append(_next(args, target, changed))
    if args.json:
        print(json.dumps({**change.as_json(), "next": lines[-1]}, indent=2))
    else:
        print("\n".join(lines))
    write_step_summary(
        f"### goldenpath ab {change.command}\n\n" + "\n".join(f"- {line.strip()}" for line in lines)
    )
    return EXIT_OK


def _next(args: argparse.Namespace, target: AbTarget, changed: bool) -> str:
    if args.dry_run:
        return "dry run: nothing was changed"
    if not changed:
        return (
            f"resources/ab.yml already says so; `goldenpath ab status --target {target.name}` shows the test"
        )
    if args.open_pr:
        return (
            f"review and merge the pull request: the next deploy of {target.name} applies it to the endpoint"
        )
    return (
        f"resources/ab.yml changed: commit it and open a pull request; the deploy of {target.name} applies it "
        "(or run again with --open-pr)"
    )
