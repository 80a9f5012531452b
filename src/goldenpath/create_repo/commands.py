"""`goldenpath create-repo`: the command line of the create-repo button.

Registering it imports neither githubkit nor copier (seconds of start-up):
every `goldenpath` command, the pre-commit hook's included, would pay for them.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from goldenpath.checkout import CHECKOUT
from goldenpath.commands import Commands, example_repo, existing_directory
from goldenpath.console import EXIT_OK, write_step_summary
from goldenpath.errors import GoldenpathError, Refused
from goldenpath.project import AUTH_MODES, default_description
from goldenpath.refs import expected_ref, project_version
from goldenpath.settings import load_settings

if TYPE_CHECKING:
    from goldenpath.create_repo.steps import Outcome


def register(commands: Commands) -> None:
    name, team = example_repo()
    parser = commands.add(
        "create-repo",
        summary="create a protected, wired GitHub repository from the template (the create-repo button)",
        description="Create the GitHub repository for a valid name: refusals first (they only read), then "
        "one idempotent step per write (repository, topics, first commit, team access, environments, "
        "org secrets, branch ruleset). A rerun after a failure resumes; --dry-run only reads. Uses "
        "GITHUB_TOKEN, GITHUB_API_URL and GITHUB_SERVER_URL as GitHub Actions sets them.",
        example=f"goldenpath create-repo {name} --team {team} --requester alice --dry-run",
        handler=run,
    )
    parser.add_argument(
        "repo_name", metavar="REPO_NAME", help="the new repository's name, <unit>-<domain>-<usecase>"
    )
    parser.add_argument("--team", required=True, help="GitHub team that will own the repository")
    parser.add_argument(
        "--requester", required=True, help="GitHub login of the person asking; must be an active team member"
    )
    parser.add_argument("--description", help=f"one line; default: '{default_description('<name>')}'")
    parser.add_argument("--cost-center", help="default: tags.cost_center_default of the settings")
    parser.add_argument(
        "--project-kind", help="batch or serving; default: the first of project_kinds in the settings"
    )
    parser.add_argument("--python-version", help="default: python.default of the settings")
    parser.add_argument(
        "--auth-mode",
        choices=AUTH_MODES,
        default=AUTH_MODES[0],
        help=f"how CI authenticates to Databricks (default: {AUTH_MODES[0]})",
    )
    parser.add_argument("--no-example", action="store_true", help="leave out the example ML pipeline")
    parser.add_argument(
        "--template",
        type=existing_directory,
        help="goldenpath checkout to render from (default: this checkout)",
    )
    parser.add_argument("--vcs-ref", help="template release to render (default: v<version of the template>)")
    parser.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")
    parser.add_argument(
        "--dry-run", action="store_true", help="only read: print what would be created or updated"
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")


def run(args: argparse.Namespace) -> int:
    # Imported here: githubkit and copier are heavy (see the module docstring).
    from goldenpath.create_repo.request import NewRepo
    from goldenpath.create_repo.steps import Outcome, create_repo
    from goldenpath.github.client import api_client, github_env

    settings = load_settings(args.settings)
    template = (args.template or CHECKOUT).resolve()
    vcs_ref = args.vcs_ref or expected_ref(project_version(template))
    env = github_env()
    answers = {
        "repo_name": args.repo_name,
        "description": args.description or default_description(args.repo_name),
        "project_kind": args.project_kind or settings.project_kinds[0],
        "team": args.team,
        "cost_center": args.cost_center or settings.cost_center_default,
        "python_version": args.python_version or settings.python_default,
        "auth_mode": args.auth_mode,
        "include_example": not args.no_example,
    }
    new = NewRepo(answers=answers, requester=args.requester, template=template, vcs_ref=vcs_ref)
    url = env.repo_html_url(settings.org, args.repo_name)
    outcome = Outcome(args.repo_name, url, "planned" if args.dry_run else "converged")
    try:
        create_repo(api_client(env), env, settings, new, outcome, dry_run=args.dry_run)
    except GoldenpathError as exc:
        refused = isinstance(exc, Refused) and not outcome.steps.done
        outcome.status = "refused" if refused else "failed"
        _report(args, outcome, f"{'Refused' if refused else 'Failed'}: {exc.message}")
        raise
    _report(args, outcome, "")
    return EXIT_OK


def _report(args: argparse.Namespace, outcome: Outcome, note: str) -> None:
    """Results on stdout (JSON, or the plan of a dry run, or a summary line), the table in the job summary."""
    if args.json:
        print(json.dumps(outcome.as_json(), indent=2))
    elif outcome.status == "planned":  # a dry run's result is its plan
        for name, result in outcome.spoken_steps():
            print(f"{name}: {result}")
        print(f"dry run, nothing written for {outcome.url}")
    elif outcome.status in ("created", "converged"):
        print(f"{outcome.status} {outcome.url}")
    # A refused name may be anything a person typed: never a link or markdown, only an indented code block.
    title = "request" if outcome.status == "refused" else f"[{outcome.repo}]({outcome.url})"
    lines = [f"### create-repo: {title} {outcome.status}", ""]
    if note:
        lines += [*("    " + line for line in note.splitlines()), ""]
    if outcome.steps.done:
        lines += ["| step | result |", "|---|---|"]
        lines += [f"| {name} | {result} |" for name, result in outcome.spoken_steps()]
    write_step_summary("\n".join(lines))
