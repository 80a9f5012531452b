"""`goldenpath fleet`: scan the org's goldenpath repos and write the table, JSON, markdown and HTML."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from goldenpath.commands import Commands
from goldenpath.console import EXIT_OK, progress, write_step_summary
from goldenpath.errors import Outage
from goldenpath.fleet.discovery import DEFAULT_TOPIC
from goldenpath.settings import load_settings

DEFAULT_CONCURRENCY = 8


def register(commands: Commands) -> None:
    fleet = commands.add(
        "fleet",
        summary="report template and workflow versions, drift and automated maturity of the org's goldenpath repos",
        description="Scan the org's goldenpath repos (the topic, or a .copier-answers.yml naming the central "
        "repo) through the GitHub API: template version and drift, central workflow refs, open update PR, "
        "last CI conclusion and the automated MLOps maturity statements. Needs GITHUB_TOKEN (read-only).",
        example="GITHUB_TOKEN=... goldenpath fleet --html fleet.html --json fleet.json",
        handler=run,
    )
    fleet.add_argument("--org", help="GitHub org to scan (default: github.org from the settings)")
    fleet.add_argument(
        "--topic", default=DEFAULT_TOPIC, help=f"repo topic that marks the fleet (default: {DEFAULT_TOPIC})"
    )
    fleet.add_argument("--json", metavar="FILE", help="write the versioned JSON report (docs/fleet.md)")
    fleet.add_argument("--html", metavar="FILE", help="write the self-contained HTML page")
    fleet.add_argument("--markdown", metavar="FILE", help="write the markdown summary")
    fleet.add_argument(
        "--concurrency",
        type=_positive,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"repos scanned at once (default: {DEFAULT_CONCURRENCY})",
    )
    fleet.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")


def run(args: argparse.Namespace) -> int:
    # Imported here: githubkit is heavy, and every other command (pre-commit hooks) starts faster without it.
    from githubkit.exception import GitHubException

    from goldenpath.fleet.facts import FleetApi
    from goldenpath.fleet.html import html_page
    from goldenpath.fleet.markdown import markdown
    from goldenpath.fleet.scan import scan_fleet
    from goldenpath.fleet.terminal import ProgressBar, table
    from goldenpath.github.client import api_client, github_env

    _retries_as_progress_lines()
    settings = load_settings(args.settings)
    env = github_env()
    api = FleetApi(api_client(env, http_cache=True))
    try:
        report = scan_fleet(
            api,
            settings,
            org=args.org,
            topic=args.topic,
            concurrency=args.concurrency,
            progress=ProgressBar(),
        )
    except GitHubException as exc:
        raise Outage(f"could not list the org's repos or the central releases: {exc!r}") from exc
    summary = markdown(report)
    for path, text in ((args.json, report.dumps()), (args.html, html_page(report)), (args.markdown, summary)):
        if path:
            Path(path).write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
    write_step_summary(summary)
    sys.stdout.write(table(report))
    return EXIT_OK


class _OneLine(logging.Handler):
    """githubkit logs each retry (rate limit, 5xx) with a traceback; a person needs one line."""

    def emit(self, record: logging.LogRecord) -> None:
        progress(f"github: {record.getMessage()}; retrying")


def _retries_as_progress_lines() -> None:
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
