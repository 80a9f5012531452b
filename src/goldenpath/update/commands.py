"""`goldenpath update`: check for, apply, or open a pull request with a newer template release."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from goldenpath.commands import Commands, existing_directory
from goldenpath.console import EXIT_OK, EXIT_REFUSED, write_step_summary
from goldenpath.settings import load_settings
from goldenpath.update.apply import CONFLICT_STYLES


def register(commands: Commands) -> None:
    update = commands.add(
        "update",
        summary="bring this generated repository to a newer goldenpath template release",
        description="Update a generated repository to the newest release on its release line (or --to "
        "one): copier's 3-way merge keeps your edits, the template's migrations handle moved files, and "
        "conflicts are left for you to resolve. A new major release is only reported until --to asks "
        "for it. The worktree must be clean. Exit 1: behind (--check), refused, or conflicts left.",
        example="goldenpath update --check",
        handler=_update,
    )
    update.add_argument(
        "--check", action="store_true", help="only say whether a newer release exists (exit 1 if so)"
    )
    update.add_argument(
        "--to", metavar="vX.Y.Z", help="the release to update to (default: newest on this release line)"
    )
    update.add_argument(
        "--conflict",
        choices=CONFLICT_STYLES,
        default="inline",
        help="how to leave conflicts: inline markers, or .rej files beside the files (default: inline)",
    )
    update.add_argument(
        "--path", type=existing_directory, default=Path(), help="the generated repository (default: .)"
    )
    update.add_argument("--json", action="store_true", help="print a machine-readable result")
    update.add_argument(
        "--open-pr",
        action="store_true",
        help="in a workflow: commit to branch goldenpath/update, push it and open or update one pull "
        "request (GITHUB_TOKEN, GITHUB_REPOSITORY)",
    )


def _update(args: argparse.Namespace) -> int:
    # Imported here: the update pulls in copier and githubkit only when it runs.
    from goldenpath.update.apply import run_update
    from goldenpath.update.report import result_markdown, result_text, status_text
    from goldenpath.update.source import check

    repo: Path = args.path
    if args.check:
        status = check(repo)
        print(json.dumps(status.as_json(), indent=2) if args.json else status_text(status))
        return EXIT_REFUSED if status.behind else EXIT_OK
    if args.open_pr:
        return _open_pr(args)
    result = run_update(repo, to=args.to, conflict=args.conflict)
    print(json.dumps(result.as_json(), indent=2) if args.json else result_text(result))
    if result.previous != result.target:
        write_step_summary(result_markdown(result))
    return EXIT_REFUSED if result.conflicts else EXIT_OK


def _open_pr(args: argparse.Namespace) -> int:
    from goldenpath.update.pull_request import NONE, describe, open_update_pr
    from goldenpath.update.report import result_markdown

    outcome, result = open_update_pr(args.path, load_settings().bot, to=args.to, conflict=args.conflict)
    print(json.dumps(outcome.as_json(), indent=2) if args.json else describe(outcome))
    details = "\n\n" + result_markdown(result) if outcome.action != NONE else ""
    write_step_summary(describe(outcome) + details)
    return EXIT_OK
