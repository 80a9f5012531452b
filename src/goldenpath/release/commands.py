"""`goldenpath release verify|notes|publish|upload|rollback` and `goldenpath pin-refs`: used by release.yml
and by the platform team before it tags."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from goldenpath.changelog import CHANGELOG, release_notes
from goldenpath.commands import Commands, existing_directory
from goldenpath.console import EXIT_OK, EXIT_REFUSED, write_step_summary
from goldenpath.errors import GoldenpathError, Refused
from goldenpath.refs import ReleaseTag, check_refs, expected_ref, pin_refs, project_version
from goldenpath.settings import SETTINGS_ENV_VAR, SETTINGS_FILENAME, Settings, load_settings

if TYPE_CHECKING:
    from goldenpath.github.reconcile import Steps

TAG_HELP = "the release tag, vX.Y.Z or vX.Y.Z-PRE"


def register(commands: Commands) -> None:
    release = commands.group(
        "release",
        summary="release this repository: verify a tag, move vN, publish the GitHub Release, roll back",
        description="Release the goldenpath repository itself (release.yml runs these). Every check runs "
        "before anything moves; a pre-release never moves vN; each step writes only what differs, so a "
        "rerun changes nothing and a run cut short by an outage resumes.",
        example="goldenpath release verify --tag v1.4.0",
    )
    verify = release.add(
        "verify",
        summary="check the tag, self-references and CHANGELOG section; change nothing",
        description="Every reason this tree may not be released as --tag: the tag is v + the pyproject "
        "version, the central workflows' self-references are pinned to it, and the CHANGELOG has a "
        "non-empty section for it. Exit 1 lists them.",
        example="goldenpath release verify --tag v1.4.0",
        handler=_verify,
    )
    verify.add_argument("--tag", required=True, help=TAG_HELP)
    _checkout_options(verify)
    notes = release.add(
        "notes",
        summary="print the CHANGELOG section a release of --tag publishes",
        description="Print the release notes of --tag: its CHANGELOG section, as the GitHub Release shows it.",
        example="goldenpath release notes --tag v1.4.0",
        handler=_notes,
    )
    notes.add_argument("--tag", required=True, help=TAG_HELP)
    _checkout_options(notes)
    publish = release.add(
        "publish",
        summary="verify, move vN to the tag's commit (not for pre-releases), publish the Release",
        description="Verify, then point the moving major tag vN at the tag's commit (unless it is a "
        "pre-release or vN is at a newer release), then create or update the GitHub Release from the "
        "CHANGELOG section. Uses GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_SERVER_URL.",
        example="goldenpath release publish --tag v1.4.0 --dry-run",
        handler=_publish,
    )
    upload = release.add(
        "upload",
        summary="upload the tag's wheel to the package index (python.publish_url), unless it is there",
        description="With python.publish_url set, generated repositories pin the goldenpath CLI from "
        "python.package_index; this builds the wheel of the checkout (uv build) and uploads it (uv "
        "publish) unless the index already lists that version. Credentials come from UV_PUBLISH_TOKEN, "
        "or UV_PUBLISH_USERNAME and UV_PUBLISH_PASSWORD. Without python.publish_url it does nothing.",
        example="goldenpath release upload --tag v1.4.0 --dry-run",
        handler=_upload,
    )
    for writer in (publish, upload):
        writer.add_argument("--tag", required=True, help=TAG_HELP)
        _write_options(writer)
        _checkout_options(writer)
    rollback = release.add(
        "rollback",
        summary="move vN back to an earlier release",
        description="Point the moving major tag back at an earlier final release, which must exist on the "
        "remote; the Releases stay as they are. Rerunning the newer release's publish rolls forward again.",
        example="goldenpath release rollback --to v1.3.2",
        handler=_rollback,
    )
    rollback.add_argument("--to", required=True, help="the release vN should point to, vX.Y.Z")
    _write_options(rollback)
    rollback.add_argument(
        "--root", type=existing_directory, default=Path(), help="a git repository to fetch into (default: .)"
    )


def register_pin_refs(commands: Commands) -> None:
    refs = commands.add(
        "pin-refs",
        summary="pin the central workflows' references to this repository to v<pyproject version>",
        description="Rewrite every `uses: <org>/<central-repo>/...@REF` of the central workflows and "
        "actions to the release tag of the pyproject version, and the zizmor ref-pin policy to the org "
        "and repository of goldenpath.yml. Run it after changing either.",
        example="goldenpath pin-refs --check",
        handler=_pin_refs,
    )
    refs.add_argument(
        "--check", action="store_true", help="only report wrong references (exit 1), change nothing"
    )
    _checkout_options(refs)


def _checkout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=existing_directory, default=Path(), help="the goldenpath checkout (default: .)"
    )
    parser.add_argument("--settings", help="settings file (default: goldenpath.yml in --root)")


def _write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    parser.add_argument("--json", action="store_true", help="print the steps as JSON")


def _settings(args: argparse.Namespace) -> Settings:
    """The checkout's own goldenpath.yml, unless --settings or $GOLDENPATH_SETTINGS names another."""
    own = None if os.environ.get(SETTINGS_ENV_VAR) else args.root / SETTINGS_FILENAME
    return load_settings(args.settings or own)


def _verify(args: argparse.Namespace) -> int:
    from goldenpath.release.publish import verify

    problems = verify(args.root, _settings(args), args.tag)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{args.tag} must not be released; nothing was changed", file=sys.stderr)
        write_step_summary(f"### {args.tag} refused\n\n" + "\n".join(f"- {p}" for p in problems))
        return EXIT_REFUSED
    print(f"{args.tag} may be released")
    return EXIT_OK


def _notes(args: argparse.Namespace) -> int:
    print(release_notes(args.root / CHANGELOG, ReleaseTag.parse(args.tag).version))
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    from goldenpath.github.client import api_client
    from goldenpath.github.reconcile import Steps
    from goldenpath.release.publish import publish, target_from_environ

    settings = _settings(args)
    target = target_from_environ()
    steps = Steps()
    with _reported(args, f"Release {args.tag}", steps):
        publish(args.root, settings, target, api_client(target.env), args.tag, steps, dry_run=args.dry_run)
    return EXIT_OK


def _upload(args: argparse.Namespace) -> int:
    from goldenpath.github.reconcile import Steps
    from goldenpath.release.upload import upload

    steps = Steps()
    with _reported(args, f"Wheel of {args.tag}", steps):
        upload(args.root, _settings(args), args.tag, steps, dry_run=args.dry_run)
    return EXIT_OK


def _rollback(args: argparse.Namespace) -> int:
    from goldenpath.github.reconcile import Steps
    from goldenpath.release.publish import rollback, target_from_environ

    target = target_from_environ()
    steps = Steps()
    with _reported(args, f"Rollback to {args.to}", steps):
        rollback(args.root, target, args.to, steps, dry_run=args.dry_run)
    return EXIT_OK


@contextmanager
def _reported(args: argparse.Namespace, title: str, steps: Steps) -> Iterator[None]:
    """The steps on stdout (lines or JSON) and in the job summary; a failure's summary says how far it got."""
    try:
        yield
    except GoldenpathError as exc:
        how = "refused" if isinstance(exc, Refused) else "stopped part-way"
        done = "".join(f"\n- {step.line}" for step in steps.done)
        write_step_summary(f"### {title} {how}\n\n{exc.message}\n{done}")
        raise
    if args.json:
        print(json.dumps([step.as_json() for step in steps.done], indent=2))
    else:
        for step in steps.done:
            print(step.line)
    write_step_summary(f"### {title}\n\n" + "\n".join(f"- {step.line}" for step in steps.done))


def _pin_refs(args: argparse.Namespace) -> int:
    settings = _settings(args)
    changes = [] if args.check else pin_refs(args.root, settings)
    problems = check_refs(args.root, settings)
    wanted = f"{settings.central_slug}@{expected_ref(project_version(args.root))}"
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
