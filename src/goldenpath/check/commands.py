"""`goldenpath check-name` and `goldenpath check-repo`: the naming convention at the prompt and in a repo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from goldenpath.commands import Commands, example_repo, existing_directory
from goldenpath.console import EXIT_OK, EXIT_REFUSED
from goldenpath.naming import KINDS, check_name, format_problems, may_create, suggest_repo_name
from goldenpath.settings import load_settings

SETTINGS_HELP = "settings file (default: the bundled goldenpath.yml)"


def register(commands: Commands) -> None:
    """check-name, then check-repo: the order people meet them."""
    example, team = example_repo()
    name = commands.add(
        "check-name",
        summary="check a name against the naming convention, with a suggestion when it breaks a rule",
        description="Check a repository name (<unit>-<domain>-<usecase>) or a derived name (package, "
        "Unity Catalog, job, endpoint, tag) against the convention of goldenpath.yml. Exit 1 names "
        "every broken rule and, for a repository name, the closest valid one.",
        example=f"goldenpath check-name {example} --team {team}",
        handler=_check_name,
    )
    name.add_argument("name", help="the name to check")
    name.add_argument("--kind", choices=KINDS, default="repo", help="what the name is for (default: repo)")
    name.add_argument("--team", help="also check that this GitHub team may create the repo")
    name.add_argument("--settings", help=SETTINGS_HELP)
    name.add_argument("--json", action="store_true", help="print a machine-readable result")

    repo = commands.add(
        "check-repo",
        summary="check a generated repo's names still agree with the convention (pre-commit, CI)",
        description="Check that the package directory, entry point, bundle, jobs, tags, Unity Catalog "
        "names and serving wiring of a generated repository agree with its name. Reads databricks.yml "
        "and every file its include: patterns name. Findings are file:line: rule: message (exit 1).",
        example="goldenpath check-repo .",
        handler=_check_repo,
    )
    repo.add_argument(
        "path",
        nargs="?",
        type=existing_directory,
        default=Path(),
        help="the generated repository (default: .)",
    )
    repo.add_argument("--settings", help=SETTINGS_HELP)


def _check_name(args: argparse.Namespace) -> int:
    settings = load_settings(args.settings)
    problems = check_name(args.name, args.kind, settings)
    if args.team and args.kind == "repo" and not problems:
        denied = may_create(args.team, args.name, settings)
        problems = [denied] if denied else []
    suggestion = suggest_repo_name(args.name, settings) if problems and args.kind == "repo" else None
    if args.json:
        result = {
            "name": args.name,
            "kind": args.kind,
            "valid": not problems,
            "violations": [{"rule": p.rule, "message": p.message} for p in problems],
            "suggestion": suggestion,
        }
        print(json.dumps(result, indent=2))
    elif problems and args.kind == "repo":
        print(format_problems(args.name, problems, settings), file=sys.stderr)
    elif problems:
        for problem in problems:
            print(f"{args.name!r}: {problem}", file=sys.stderr)
    else:
        print(f"{args.name!r} is a valid {args.kind} name")
    return EXIT_REFUSED if problems else EXIT_OK


def _check_repo(args: argparse.Namespace) -> int:
    from goldenpath.check.repo import inspect_repo

    report = inspect_repo(args.path, load_settings(args.settings))
    for finding in report.findings:
        print(finding, file=sys.stderr)
    if report.findings:
        return EXIT_REFUSED
    print(f"{report.repo}: {report.summary}")
    return EXIT_OK
