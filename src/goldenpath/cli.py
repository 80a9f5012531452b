"""`goldenpath` command line: thin argparse wrappers over the library modules.

Exit codes are a contract for workflows and hooks (`goldenpath.console`): 0 ok,
1 refused or a check failed, 2 usage or configuration error, 3 failed part-way
and resumable. Each concern with commands of its own (GitHub, Databricks, ...)
exposes `register(commands)` and is listed in `_CONCERNS`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from goldenpath import __version__, new
from goldenpath.ab import commands as ab_commands
from goldenpath.commands import Commands
from goldenpath.console import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from goldenpath.databricks import commands as databricks_commands
from goldenpath.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, GoldenpathError
from goldenpath.fleet import commands as fleet
from goldenpath.github import commands as github_commands
from goldenpath.github import release
from goldenpath.monitor import commands as monitor_commands
from goldenpath.naming import KINDS, check_name, format_problems, may_create, suggest_repo_name
from goldenpath.refs import RefsError, check_refs, expected_ref, pin_refs, project_version
from goldenpath.repo_check import check_repo
from goldenpath.settings import SETTINGS_ENV_VAR, SETTINGS_FILENAME, SettingsError, load_settings
from goldenpath.update import register as register_update

# Modules that add their own subcommands: each has `register(commands) -> None`.
_CONCERNS: list[Callable[[Any], None]] = [
    github_commands.register,
    release.register,
    register_update,
    databricks_commands.register,
    new.register,
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the one place where errors become a message and an exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    command = getattr(args, "command", "")
    try:
        return int(args.handler(args))
    except GoldenpathError as exc:
        print(
            f"goldenpath {command}: {exc.message}" if command else f"goldenpath: {exc.message}",
            file=sys.stderr,
        )
        return exc.exit_code
    except SettingsError as exc:
        print(f"goldenpath: settings error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep Python's own flush at exit quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="goldenpath", description=__doc__)
    parser.add_argument("--version", action="version", version=f"goldenpath {__version__}")
    registry = Commands(parser)
    commands = registry._action

    name = commands.add_parser("check-name", help="check a name against the naming convention")
    name.add_argument("name")
    name.add_argument("--kind", choices=KINDS, default="repo")
    name.add_argument("--team", help="also check that this GitHub team may create the repo")
    name.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")
    name.add_argument("--json", action="store_true", help="print a machine-readable result")
    name.set_defaults(handler=_check_name)

    repo = commands.add_parser("check-repo", help="check a generated repo's names agree with the convention")
    repo.add_argument("path", nargs="?", default=".")
    repo.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")
    repo.add_argument("files", nargs="*", help=argparse.SUPPRESS)  # pre-commit passes file names
    repo.set_defaults(handler=_check_repo)

    refs = commands.add_parser(
        "pin-refs", help="pin the central workflows' references to this repo to v<pyproject version>"
    )
    refs.add_argument(
        "--check", action="store_true", help="only report wrong references (exit 1), change nothing"
    )
    refs.add_argument("--root", default=".", help="the goldenpath repository root (default: .)")
    refs.add_argument("--settings", help="settings file (default: goldenpath.yml in --root)")
    refs.set_defaults(handler=_pin_refs)
    for register in _CONCERNS:
        register(commands)
    monitor_commands.register(registry)
    ab_commands.register(registry)
    fleet.register(registry)
    return parser


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
    findings = check_repo(args.path, load_settings(args.settings))
    for finding in findings:
        print(finding, file=sys.stderr)
    return EXIT_REFUSED if findings else EXIT_OK


def _pin_refs(args: argparse.Namespace) -> int:
    root = Path(args.root)
    own_settings = None if os.environ.get(SETTINGS_ENV_VAR) else root / SETTINGS_FILENAME
    settings = load_settings(args.settings or own_settings)
    try:
        changes = [] if args.check else pin_refs(root, settings)
        problems = check_refs(root, settings)
        wanted = f"{settings.central_slug}@{expected_ref(project_version(root))}"
    except RefsError as exc:
        print(f"goldenpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for change in changes:
        print(change)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        hint = "; run `goldenpath pin-refs`" if args.check else "; pin-refs cannot fix these"
        print(f"self-references are not coherent with {wanted}{hint}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"self-references pinned to {wanted}" + (f" ({len(changes)} changed)" if changes else ""))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
