"""`goldenpath create-repo`: the command line of the create-repo button.

Kept apart from `create_repo` so that registering the command imports neither
githubkit nor copier (seconds of start-up): every `goldenpath` command, the
pre-commit hook's included, would pay for them otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from goldenpath.console import EXIT_OK, EXIT_REFUSED, EXIT_RESUMABLE, EXIT_USAGE, progress, write_step_summary
from goldenpath.project import AUTH_MODES, default_description
from goldenpath.refs import RefsError, expected_ref, project_version
from goldenpath.settings import load_settings

# This checkout: src/goldenpath/create_repo/ -> the repository root (a template only in a checkout).
CHECKOUT = Path(__file__).resolve().parents[3]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "create-repo",
        help="create a protected, wired GitHub repository from the template (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_SERVER_URL)",
    )
    parser.add_argument("repo_name", metavar="REPO_NAME")
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
    parser.add_argument("--auth-mode", choices=AUTH_MODES, default=AUTH_MODES[0])
    parser.add_argument("--no-example", action="store_true", help="leave out the example ML pipeline")
    parser.add_argument(
        "--template", type=Path, help="goldenpath checkout to render from (default: this checkout)"
    )
    parser.add_argument("--vcs-ref", help="template release to render (default: v<version of the template>)")
    parser.add_argument("--settings", help="settings file (default: the bundled goldenpath.yml)")
    parser.add_argument(
        "--dry-run", action="store_true", help="only read: print what would be created or updated"
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")
    parser.set_defaults(handler=_create_repo)


def _create_repo(args: argparse.Namespace) -> int:
    from goldenpath.create_repo import steps  # imported here: see the module docstring
    from goldenpath.github.client import GitHubConfigError, api_client, github_env

    settings = load_settings(args.settings)
    template = (args.template or CHECKOUT).resolve()
    try:
        vcs_ref = args.vcs_ref or expected_ref(project_version(template))
        env = github_env()
    except (RefsError, GitHubConfigError) as exc:
        print(f"goldenpath create-repo: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    new = steps.NewRepo(answers=answers, requester=args.requester, template=template, vcs_ref=vcs_ref)
    url = env.repo_html_url(settings.org, args.repo_name)
    try:
        outcome = steps.create_repo(api_client(env), env, settings, new, dry_run=args.dry_run)
    except steps.Refused as exc:
        progress(f"refused, nothing was written:\n{exc}")
        _report(args, steps.Outcome(args.repo_name, url, "refused"), f"Refused: {exc}")
        return EXIT_REFUSED
    except steps.SetupError as exc:
        progress(f"goldenpath create-repo: {exc}")
        return EXIT_USAGE
    except steps.StepFailed as exc:
        outcome = exc.outcome or steps.Outcome(args.repo_name, url, "failed", [(exc.step, "failed")])
        progress(f"failed: {exc}\nRun the same command again to resume: done steps are kept and skipped.")
        _report(args, outcome, f"Failed at step `{exc.step}`: {exc}. Run it again to resume.")
        return EXIT_RESUMABLE
    _report(args, outcome, "")
    return EXIT_OK


def _report(args: argparse.Namespace, outcome: Any, note: str) -> None:
    """Results on stdout (JSON or a summary line), the summary table in the job summary."""
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
    if outcome.steps:
        lines += ["| step | result |", "|---|---|"]
        lines += [f"| {name} | {result} |" for name, result in outcome.spoken_steps()]
    write_step_summary("\n".join(lines))
