"""`goldenpath new`: a data scientist's first command."""

from __future__ import annotations

import argparse
from pathlib import Path

from goldenpath.commands import Commands, example_repo
from goldenpath.console import EXIT_OK, progress
from goldenpath.errors import UsageError
from goldenpath.naming import example_repo_name
from goldenpath.project import QUESTIONS
from goldenpath.settings import load_settings


def register(commands: Commands) -> None:
    name, team = example_repo()
    new = commands.add(
        "new",
        summary="render a new repository from the template, asking what it needs",
        description="Render a new ML repository with copier: the questions are asked at a terminal, or "
        "given with --data (--defaults takes the rest). A refused answer says which rule failed and a "
        "valid example, and leaves DEST as it was. Then it prints what to type next.",
        example=f"goldenpath new --data repo_name={name} --data team={team} --defaults",
        handler=_new,
    )
    new.add_argument("dest", nargs="?", metavar="DEST", help="directory to create (default: ./<repo_name>)")
    new.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"an answer, repeatable; questions: {', '.join(QUESTIONS)}",
    )
    new.add_argument("--defaults", action="store_true", help="take the default for every answer not given")
    new.add_argument(
        "--vcs-ref", help="template git ref (default: HEAD of a checkout, else this CLI's release tag)"
    )
    new.add_argument(
        "--template", help="template source (default: this checkout, else the central repository)"
    )


def _new(args: argparse.Namespace) -> int:
    from goldenpath.new.render import next_steps, parse_data, record_nearest_release, render, template_source

    example_name = example_repo_name(load_settings())
    answers = parse_data(args.data, example_name)
    if args.dest is None and "repo_name" not in answers:
        raise UsageError("give DEST or --data repo_name=<name>", f"e.g. --data repo_name={example_name}")
    dest = Path(args.dest if args.dest is not None else answers["repo_name"])
    source, vcs_ref = template_source(args.template, args.vcs_ref)
    render(dest, answers, args.defaults, source, vcs_ref)
    if note := record_nearest_release(dest, source, vcs_ref):
        progress(f"goldenpath new: {note}")
    print(next_steps(dest, f"{source}@{vcs_ref}"))
    return EXIT_OK
