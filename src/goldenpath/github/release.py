"""Releasing this repository: verify a tag, move the major tag `vN`, publish the GitHub Release.

Every generated repository calls the central workflows at `vN`, so a release
that moves `vN` wrongly breaks them all at once. Hence the order: every check
(tag = `v` + pyproject version, self-references pinned, a non-empty CHANGELOG
section) runs before anything moves; a pre-release never moves `vN`; a rerun
of an older release never moves `vN` back past a newer one (a rollback is its
own, deliberate command). Each step reads the remote's state first and writes
only what differs, so rerunning a release changes nothing and a run cut short
by an outage resumes. git gets the token as a header (`GitHubEnv.git_environ`),
so it never appears in a URL, argv or log; `GITHUB_SERVER_URL` decides the
host, which makes GitHub Enterprise Server work like github.com.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from goldenpath.changelog import CHANGELOG, ChangelogError, release_notes
from goldenpath.console import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_RESUMABLE,
    EXIT_USAGE,
    write_step_summary,
)
from goldenpath.git import GitError, commit_of, git
from goldenpath.github.client import GitHubConfigError, GitHubEnv, api_client, github_env
from goldenpath.refs import (
    RefsError,
    ReleaseTag,
    check_refs,
    lock_problems,
    project_version,
    releases,
    tag_problems,
)
from goldenpath.settings import SETTINGS_ENV_VAR, SETTINGS_FILENAME, Settings, load_settings

if TYPE_CHECKING:
    from githubkit import GitHub, TokenAuthStrategy


class ReleaseRefused(Exception):
    """The release must not go ahead; nothing was changed."""


class RemoteFailed(Exception):
    """git or the GitHub API failed part-way; rerunning the same command resumes."""


@dataclass(frozen=True)
class Target:
    """The repository being released: its git remote and its API coordinates."""

    env: GitHubEnv
    owner: str
    repo: str

    @property
    def git_url(self) -> str:
        return self.env.repo_git_url(self.owner, self.repo)


def target_from_environ(environ: Mapping[str, str] | None = None) -> Target:
    """`GITHUB_REPOSITORY` (`owner/repo`) on the server of `GITHUB_SERVER_URL`, as in a workflow."""
    environ = os.environ if environ is None else environ
    slug = environ.get("GITHUB_REPOSITORY", "")
    owner, _, repo = slug.partition("/")
    if not owner or not repo or "/" in repo:
        raise GitHubConfigError(
            f"GITHUB_REPOSITORY is {slug!r}; set it to <owner>/<repo> of the goldenpath repository"
        )
    return Target(github_env(environ), owner, repo)


@dataclass(frozen=True)
class Step:
    """What one step found and did: `outcome` is e.g. moved, unchanged, created, updated."""

    name: str
    outcome: str
    detail: str


# -- checks ----------------------------------------------------------------------


def verify(root: Path, settings: Settings, tag: str) -> list[str]:
    """Every reason this tree may not be released as `tag`; empty when it may."""
    problems = tag_problems(root, tag)
    problems += lock_problems(root)
    problems += check_refs(root, settings)
    try:
        release_notes(root / CHANGELOG, project_version(root))
    except ChangelogError as exc:
        problems.append(str(exc))
    return problems


# -- git -------------------------------------------------------------------------


def _git(root: Path, target: Target, *args: str) -> str:
    """Run git in `root` with the token as a header; a failure is resumable (`RemoteFailed`)."""
    try:
        return git(*args, cwd=root, env=target.env.git_environ())
    except GitError as exc:
        raise RemoteFailed(str(exc)) from exc


def remote_tags(root: Path, target: Target) -> dict[str, str]:
    """Tag name -> the commit it points to on the remote (annotated tags peeled)."""
    tags: dict[str, str] = {}
    for line in _git(root, target, "ls-remote", "--tags", target.git_url).splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):
            tags[name[:-3]] = sha  # the peeled commit wins over the tag object
        else:
            tags.setdefault(name, sha)
    return tags


def _releases_at(tags: Mapping[str, str], commit: str | None) -> list[ReleaseTag]:
    """Final releases whose tag points at `commit` (`vN` only ever points at those), oldest first."""
    return releases(name for name, sha in tags.items() if sha == commit)


def _push_major(root: Path, target: Target, major: str, commit: str) -> None:
    _git(root, target, "push", "--quiet", "--force", target.git_url, f"{commit}:refs/tags/{major}")


def move_major(
    root: Path, target: Target, tag: ReleaseTag, commit: str, tags: Mapping[str, str], *, dry_run: bool
) -> Step:
    """Point `vN` at the release commit, unless it is a pre-release or `vN` is at a newer release."""
    major = tag.major_tag
    if tag.is_prerelease:
        return Step(major, "skipped", f"{tag.name} is a pre-release; {major} does not move")
    current = tags.get(major)
    if current == commit:
        return Step(major, "unchanged", f"{major} already points to {tag.name} ({commit})")
    newer = [
        release for release in _releases_at(tags, current) if release.major == tag.major and release > tag
    ]
    if newer:
        latest = max(newer).name
        return Step(major, "kept", f"{major} stays at {latest}, which is newer than {tag.name}")
    if not dry_run:
        _push_major(root, target, major, commit)
    return Step(major, "would move" if dry_run else "moved", f"{major} -> {tag.name} ({commit})")


# -- the GitHub Release ----------------------------------------------------------


def publish_release(
    gh: GitHub[TokenAuthStrategy], target: Target, tag: ReleaseTag, notes: str, *, latest: bool, dry_run: bool
) -> Step:
    """Create the Release of `tag`, or bring an existing one to exactly these notes."""
    from githubkit.exception import GitHubException, RequestFailed

    name = "release"
    wanted: dict[str, Any] = {
        "name": tag.name,
        "body": notes,
        "draft": False,
        "prerelease": tag.is_prerelease,
    }
    try:
        try:
            found = gh.rest.repos.get_release_by_tag(target.owner, target.repo, tag.name)
            existing: dict[str, Any] | None = dict(found.json())
        except RequestFailed as exc:
            if exc.response.status_code != 404:
                raise
            existing = None
        make_latest: Literal["true", "false"] = "true" if latest else "false"
        if existing is None:
            if not dry_run:
                created = gh.rest.repos.create_release(
                    target.owner,
                    target.repo,
                    tag_name=tag.name,
                    name=tag.name,
                    body=notes,
                    draft=False,
                    prerelease=tag.is_prerelease,
                    make_latest=make_latest,
                )
                return Step(name, "created", str(created.json().get("html_url", tag.name)))
            return Step(name, "would create", tag.name)
        if all(existing.get(key) == value for key, value in wanted.items()):
            return Step(name, "unchanged", str(existing.get("html_url", tag.name)))
        if not dry_run:
            gh.rest.repos.update_release(
                target.owner,
                target.repo,
                int(existing["id"]),
                name=tag.name,
                body=notes,
                draft=False,
                prerelease=tag.is_prerelease,
                make_latest=make_latest,
            )
        changed = sorted(key for key, value in wanted.items() if existing.get(key) != value)
        return Step(name, "would update" if dry_run else "updated", f"{tag.name}: {', '.join(changed)}")
    except GitHubException as exc:
        raise RemoteFailed(f"GitHub API failed on the Release of {tag.name}: {exc}") from exc


# -- commands --------------------------------------------------------------------


def publish(
    root: Path,
    settings: Settings,
    target: Target,
    gh: GitHub[TokenAuthStrategy],
    tag_name: str,
    *,
    dry_run: bool = False,
) -> list[Step]:
    """Verify, move `vN` to the tag's commit, publish the Release; refuses before any write."""
    problems = verify(root, settings, tag_name)
    if problems:
        raise ReleaseRefused("\n".join(problems))
    tag = ReleaseTag.parse(tag_name)
    notes = release_notes(root / CHANGELOG, tag.version)
    try:
        commit = commit_of(root, "HEAD")
    except GitError as exc:
        raise ReleaseRefused(f"{root} is not a git checkout of the tag: {exc}") from exc
    tags = remote_tags(root, target)
    if tags.get(tag.name) != commit:
        where = f"points to {tags[tag.name]}" if tag.name in tags else "does not exist"
        raise ReleaseRefused(
            f"{tag.name} {where} on {target.owner}/{target.repo}, but the checked tree is {commit}: "
            "release from a checkout of the pushed tag"
        )
    major = move_major(root, target, tag, commit, tags, dry_run=dry_run)
    latest = major.outcome in ("moved", "would move", "unchanged")
    return [major, publish_release(gh, target, tag, notes, latest=latest, dry_run=dry_run)]


def rollback(root: Path, target: Target, to_name: str, *, dry_run: bool = False) -> Step:
    """Point `vN` back at an earlier final release `to_name`, which must exist on the remote."""
    tag = ReleaseTag.parse(to_name)
    if tag.is_prerelease:
        raise ReleaseRefused(f"{tag.name} is a pre-release; {tag.major_tag} only ever points to releases")
    tags = remote_tags(root, target)
    commit = tags.get(tag.name)
    if commit is None:
        raise ReleaseRefused(
            f"{tag.name} is not a tag of {target.owner}/{target.repo}: nothing to roll back to"
        )
    current = tags.get(tag.major_tag)
    if current == commit:
        return Step(tag.major_tag, "unchanged", f"{tag.major_tag} already points to {tag.name} ({commit})")
    was = ", ".join(release.name for release in _releases_at(tags, current)) or str(current)
    if not dry_run:
        _git(root, target, "fetch", "--quiet", "--no-tags", target.git_url, f"refs/tags/{tag.name}")
        _push_major(root, target, tag.major_tag, commit)
    return Step(
        tag.major_tag,
        "would move" if dry_run else "moved",
        f"{tag.major_tag} -> {tag.name} ({commit}), was {was}",
    )


def register(commands: Any) -> None:
    """`goldenpath release verify|notes|publish|rollback`."""
    release = commands.add_parser("release", help="release this repository (used by release.yml)")
    actions = release.add_subparsers(required=True, metavar="ACTION")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--root", default=".", help="the goldenpath checkout (default: .)")
        parser.add_argument("--settings", help="settings file (default: goldenpath.yml in --root)")

    check = actions.add_parser("verify", help="check the tag, self-references and CHANGELOG section")
    check.add_argument("--tag", required=True, help="the release tag, vX.Y.Z or vX.Y.Z-PRE")
    common(check)
    check.set_defaults(handler=_verify)

    notes = actions.add_parser("notes", help="print the CHANGELOG section a release of --tag publishes")
    notes.add_argument("--tag", required=True)
    common(notes)
    notes.set_defaults(handler=_notes)

    publish_cmd = actions.add_parser(
        "publish", help="verify, move vN to the tag's commit (not for pre-releases), publish the Release"
    )
    publish_cmd.add_argument("--tag", required=True)
    publish_cmd.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    publish_cmd.add_argument("--json", action="store_true", help="print the steps as JSON")
    common(publish_cmd)
    publish_cmd.set_defaults(handler=_publish)

    back = actions.add_parser("rollback", help="move vN back to an earlier release")
    back.add_argument("--to", required=True, help="the release vN should point to, vX.Y.Z")
    back.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    back.add_argument("--json", action="store_true", help="print the step as JSON")
    back.add_argument("--root", default=".", help="a git repository to fetch into (default: .)")
    back.set_defaults(handler=_rollback)


def _settings(args: argparse.Namespace) -> Settings:
    own = None if os.environ.get(SETTINGS_ENV_VAR) else Path(args.root) / SETTINGS_FILENAME
    return load_settings(args.settings or own)


def _verify(args: argparse.Namespace) -> int:
    try:
        problems = verify(Path(args.root), _settings(args), args.tag)
    except RefsError as exc:
        print(f"goldenpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.tag} must not be released; nothing was changed", file=sys.stderr)
        write_step_summary(f"### {args.tag} refused\n\n" + "\n".join(f"- {p}" for p in problems))
        return EXIT_REFUSED
    print(f"{args.tag} may be released")
    return EXIT_OK


def _notes(args: argparse.Namespace) -> int:
    try:
        print(release_notes(Path(args.root) / CHANGELOG, ReleaseTag.parse(args.tag).version))
    except RefsError as exc:
        print(f"goldenpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ChangelogError as exc:
        print(f"goldenpath: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def _report(steps: list[Step], as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps([asdict(step) for step in steps], indent=2))
    else:
        for step in steps:
            print(f"{step.name}: {step.outcome}: {step.detail}")
    write_step_summary(f"### {title}\n\n" + "\n".join(f"- {s.name}: {s.outcome} ({s.detail})" for s in steps))


def _run(args: argparse.Namespace, title: str, steps: Callable[[], list[Step]]) -> int:
    """Map the failures every release command shares to the exit-code contract."""
    try:
        done = steps()
    except (GitHubConfigError, RefsError) as exc:
        print(f"goldenpath: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ReleaseRefused, ChangelogError) as exc:
        print(f"{exc}\n{title} refused; nothing was changed", file=sys.stderr)
        write_step_summary(f"### {title} refused\n\n{exc}")
        return EXIT_REFUSED
    except RemoteFailed as exc:
        print(f"{exc}\n{title} stopped part-way; run the same command again to resume", file=sys.stderr)
        write_step_summary(f"### {title} stopped part-way\n\n{exc}\n\nRerun to resume.")
        return EXIT_RESUMABLE
    _report(done, args.json, title)
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    def steps() -> list[Step]:
        target = target_from_environ()
        root = Path(args.root)
        return publish(root, _settings(args), target, api_client(target.env), args.tag, dry_run=args.dry_run)

    return _run(args, f"Release {args.tag}", steps)


def _rollback(args: argparse.Namespace) -> int:
    def steps() -> list[Step]:
        return [rollback(Path(args.root), target_from_environ(), args.to, dry_run=args.dry_run)]

    return _run(args, f"Rollback to {args.to}", steps)
