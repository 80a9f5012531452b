"""`goldenpath fleet` (the scan), `goldenpath fleet merge` (shards into one report) and `fleet plan`.

`goldenpath fleet [options]` stays the scan: `merge` and `plan` are optional
subcommands of it (a `Commands.group` with a handler of its own), so every
existing invocation keeps working.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from goldenpath.commands import Commands
from goldenpath.console import EXIT_OK, progress, write_step_summary
from goldenpath.errors import Outage
from goldenpath.fleet.budget import DEFAULT_MAX_WAIT, DEFAULT_RESERVE
from goldenpath.fleet.discovery import DEFAULT_TOPIC
from goldenpath.fleet.model import FleetReport
from goldenpath.settings import Settings, load_settings

DEFAULT_CONCURRENCY = 8
_EXAMPLE = (
    "GITHUB_TOKEN=... goldenpath fleet --html fleet.html --json fleet.json --cache ~/.cache/goldenpath-fleet"
)


def register(commands: Commands) -> None:
    fleet = commands.group(
        "fleet",
        summary="report template and workflow versions, drift and automated maturity of the org's goldenpath repos",
        description="Scan the org's goldenpath repos (the topic, or a .copier-answers.yml naming the central "
        "repo) through the GitHub API: template version and drift, central workflow refs, open update PR, "
        "last CI conclusion, the automated MLOps maturity statements, owners and levels. Needs GITHUB_TOKEN "
        "(read-only). `goldenpath fleet merge` joins the reports of shards; `goldenpath fleet plan` says "
        "how many shards the org needs.",
        example=_EXAMPLE,
        handler=run,
    )
    scan = fleet.parser
    _outputs(scan)
    scan.add_argument("--org", help="GitHub org to scan (default: github.org from the settings)")
    scan.add_argument(
        "--topic", default=DEFAULT_TOPIC, help=f"repo topic that marks the fleet (default: {DEFAULT_TOPIC})"
    )
    scan.add_argument(
        "--concurrency",
        type=_positive,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"repos scanned at once (default: {DEFAULT_CONCURRENCY})",
    )
    scan.add_argument(
        "--cache",
        metavar="DIR",
        type=Path,
        help="keep the conditional-request cache here between scans (304s cost no rate limit)",
    )
    scan.add_argument("--shard", metavar="I/N", help="scan only the I-th of N stable partitions of the repos")
    scan.add_argument(
        "--max-wait",
        type=_seconds,
        default=DEFAULT_MAX_WAIT,
        metavar="SECONDS",
        help=f"longest wait for a rate-limit reset before stopping with a partial report (default: {DEFAULT_MAX_WAIT:.0f})",
    )
    scan.add_argument(
        "--reserve",
        type=_whole,
        default=DEFAULT_RESERVE,
        metavar="N",
        help=f"rate-limited calls left unspent for other users of the token (default: {DEFAULT_RESERVE})",
    )
    merge = fleet.add(
        "merge",
        summary="join the JSON reports of shard scans into the one report",
        description="Join `goldenpath fleet --shard I/N --json` reports into the report one scan would "
        "write; levels, trends and campaigns are computed on the whole.",
        example="goldenpath fleet merge shards/*.json --json fleet.json --html index.html",
        handler=run_merge,
    )
    merge.add_argument("shards", nargs="+", type=Path, metavar="SHARD.json", help="the shards' JSON reports")
    _outputs(merge)
    plan = fleet.add(
        "plan",
        summary="say how many shards the org needs (fleet.shard_size in the settings)",
        description="Count the org's repos and print the shards (`1/1` when the org fits one) as JSON; in "
        "a workflow also writes `shards` (a JSON list for a matrix) to $GITHUB_OUTPUT.",
        example="GITHUB_TOKEN=... goldenpath fleet plan",
        handler=run_plan,
    )
    plan.add_argument("--org", help="GitHub org (default: github.org from the settings)")
    plan.add_argument("--cache", metavar="DIR", type=Path, help="conditional-request cache directory")
    plan.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="FILE", help="write the versioned JSON report (docs/fleet.md)")
    parser.add_argument("--html", metavar="FILE", help="write the self-contained HTML page")
    parser.add_argument("--markdown", metavar="FILE", help="write the markdown summary")
    parser.add_argument(
        "--history", metavar="DIR", type=Path, help="earlier JSON reports, for trends and campaign progress"
    )
    parser.add_argument(
        "--campaign-issues",
        metavar="DIR",
        type=Path,
        help="write each campaign's issue body (markdown) to DIR/<campaign>.md",
    )
    parser.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")


def run(args: argparse.Namespace) -> int:
    # Imported here: githubkit is heavy, and every other command (pre-commit hooks) starts faster without it.
    from goldenpath.fleet.budget import Budget
    from goldenpath.fleet.facts import connect
    from goldenpath.fleet.scan import scan_fleet
    from goldenpath.fleet.shards import WHOLE, Shard
    from goldenpath.fleet.terminal import ProgressBar
    from goldenpath.github.client import github_env
    from goldenpath.github.reconcile import translated

    shard = Shard.parse(args.shard) if args.shard else WHOLE
    _retries_as_entrylines()
    settings = load_settings(args.settings)
    api = connect(github_env(), args.cache)
    try:
        with translated():
            report = scan_fleet(
                api,
                settings,
                org=args.org,
                topic=args.topic,
                concurrency=args.concurrency,
                progress=ProgressBar(),
                shard=shard,
                budget=Budget(api.meter, reserve=args.reserve, max_wait=args.max_wait),
            )
    finally:
        api.close()
    return _finish(report, args, settings)


def run_merge(args: argparse.Namespace) -> int:
    from goldenpath.fleet.reader import read_report
    from goldenpath.fleet.shards import merge

    settings = load_settings(args.settings)
    return _finish(merge([read_report(path) for path in args.shards]), args, settings)


def run_plan(args: argparse.Namespace) -> int:
    from goldenpath.fleet.config import fleet_config
    from goldenpath.fleet.facts import connect
    from goldenpath.fleet.shards import plan
    from goldenpath.github.client import github_env
    from goldenpath.github.reconcile import translated

    settings = load_settings(args.settings)
    size = fleet_config(settings).shard_size
    api = connect(github_env(), args.cache)
    try:
        with api.gh, translated():
            repos = [
                repo
                for repo in api.org_repos(args.org or settings.org)
                if repo.get("full_name", "").lower() != settings.central_slug.lower()
            ]
    finally:
        api.close()
    shards = plan(len(repos), size)
    print(json.dumps({"repos": len(repos), "shard_size": size, "shards": shards}))
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with Path(output).open("a", encoding="utf-8") as handle:
            handle.write(f"shards={json.dumps(shards)}\n")
    return EXIT_OK


def _finish(report: FleetReport, args: argparse.Namespace, settings: Settings) -> int:
    """Judge the report into its scorecard, write every output, and say whether the report is complete (exit 3 if not)."""
    from goldenpath.fleet.campaigns import issue_markdown
    from goldenpath.fleet.cells import scan_cost
    from goldenpath.fleet.config import fleet_config
    from goldenpath.fleet.feed import dumps
    from goldenpath.fleet.history import read_history
    from goldenpath.fleet.html import html_page
    from goldenpath.fleet.levels import definitions
    from goldenpath.fleet.markdown import STEP_SUMMARY_LIMIT, markdown
    from goldenpath.fleet.scorecard import build
    from goldenpath.fleet.terminal import table

    config = fleet_config(settings)
    history = None
    if args.history is not None:
        ids = [info.id for info in report.statements]
        history = read_history(
            args.history, report.generated_at, ids, definitions(config.levels), config.campaigns
        )
    card = build(report, config, history)
    summary = markdown(report, card)
    for path, text in (
        (args.json, dumps(report, card)),
        (args.html, html_page(report, card)),
        (args.markdown, summary),
    ):
        if path:
            Path(path).write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    if args.campaign_issues is not None:
        args.campaign_issues.mkdir(parents=True, exist_ok=True)
        for entry in card.campaigns:
            path = args.campaign_issues / f"{entry.campaign.slug}.md"
            path.write_text(issue_markdown(entry, report.org), encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    if _one_shard_of_several(report):  # the merge writes the report's summary; a shard says what it did
        write_step_summary(
            f"Fleet scan, shard {report.scan.shards[0]}: {len(report.repos)} repos. {scan_cost(report)}."
        )
    else:
        write_step_summary(markdown(report, card, limit=STEP_SUMMARY_LIMIT))
    sys.stdout.write(table(report, card))
    scan = report.scan
    if not scan.complete:
        left = len(scan.not_scanned)
        raise Outage(
            f"the report is partial: {left} repo(s) not scanned"
            + (f", shard(s) {', '.join(scan.missing_shards)} missing" if scan.missing_shards else "")
            + (f" ({scan.stopped})" if scan.stopped else ""),
            "run the same command again after the reset: the repos not scanned are named in the report, "
            "and --cache keeps what was read",
        )
    return EXIT_OK


def _one_shard_of_several(report: FleetReport) -> bool:
    shards = report.scan.shards
    return len(shards) == 1 and not shards[0].endswith("/1")


class _OneLine(logging.Handler):
    """githubkit logs each retry (rate limit, 5xx) with a traceback; a person needs one line."""

    def emit(self, record: logging.LogRecord) -> None:
        progress(f"github: {record.getMessage()}; retrying")


def _retries_as_entrylines() -> None:
    logger = logging.getLogger("githubkit")
    if not any(isinstance(handler, _OneLine) for handler in logger.handlers):
        logger.addHandler(_OneLine())
    logger.propagate = False


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1, such as 8")
    return value


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 0, such as 100")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds of at least 0, such as 900")
    return value
