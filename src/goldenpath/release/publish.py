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

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from goldenpath.changelog import CHANGELOG, ChangelogError, release_notes
from goldenpath.errors import Refused
from goldenpath.git import GitError, commit_of, git
from goldenpath.github.client import GitHubEnv, github_env, required_repository
from goldenpath.github.reconcile import UNCHANGED, Step, Steps, creating, get_or_none, translated, updating
from goldenpath.refs import ReleaseTag, check_refs, lock_problems, project_version, releases, tag_problems
from goldenpath.settings import Settings

if TYPE_CHECKING:
    from githubkit import GitHub, TokenAuthStrategy

NOTHING_CHANGED = "nothing was changed"


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
    owner, repo = required_repository(environ)
    return Target(github_env(environ), owner, repo)


# -- checks ----------------------------------------------------------------------


def verify(root: Path, settings: Settings, tag: str) -> list[str]:
    """Every reason this tree may not be released as `tag`; empty when it may."""
    problems = tag_problems(root, tag)
    problems += lock_problems(root)
    problems += check_refs(root, settings)
    try:
        release_notes(root / CHANGELOG, project_version(root))
    except ChangelogError as exc:
        problems.append(exc.what)
    return problems


# -- git -------------------------------------------------------------------------


def remote_tags(root: Path, target: Target) -> dict[str, str]:
    """Tag name -> the commit it points to on the remote (annotated tags peeled)."""
    tags: dict[str, str] = {}
    listed = git("ls-remote", "--tags", target.git_url, cwd=root, env=target.env.git_environ())
    for line in listed.splitlines():
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


def _newer_on_line(tag: ReleaseTag, tags: Mapping[str, str]) -> ReleaseTag | None:
    """The newest release of `tag`'s line that `vN` points to, when it is newer than `tag`."""
    current = tags.get(tag.major_tag)
    newer = [
        release for release in _releases_at(tags, current) if release.major == tag.major and release > tag
    ]
    return max(newer) if newer else None


def _point_major(root: Path, target: Target, major: str, commit: str) -> None:
    git(
        "push", "--quiet", "--force", target.git_url, f"{commit}:refs/tags/{major}",
        cwd=root, env=target.env.git_environ(),
    )  # fmt: skip


def move_major(
    root: Path, target: Target, tag: ReleaseTag, commit: str, tags: Mapping[str, str], *, dry_run: bool
) -> Step:
    """Point `vN` at the release commit, unless it is a pre-release or `vN` is at a newer release."""
    major = tag.major_tag
    if tag.is_prerelease:
        return Step(major, UNCHANGED, f"{tag.name} is a pre-release; {major} does not move")
    current = tags.get(major)
    if current == commit:
        return Step(major, UNCHANGED, f"{major} already points to {tag.name} ({commit})")
    newer = _newer_on_line(tag, tags)
    if newer is not None:
        return Step(major, UNCHANGED, f"{major} stays at {newer.name}, which is newer than {tag.name}")
    if not dry_run:
        _point_major(root, target, major, commit)
    result = creating(dry_run) if current is None else updating(dry_run)
    return Step(major, result, f"{major} -> {tag.name} ({commit})")


# -- the GitHub Release ----------------------------------------------------------


def publish_release(
    gh: GitHub[TokenAuthStrategy], target: Target, tag: ReleaseTag, notes: str, *, latest: bool, dry_run: bool
) -> Step:
    """Create the Release of `tag`, or bring an existing one to exactly these notes."""
    name = "release"
    wanted: dict[str, Any] = {
        "name": tag.name,
        "body": notes,
        "draft": False,
        "prerelease": tag.is_prerelease,
    }
    make_latest: Literal["true", "false"] = "true" if latest else "false"
    path = f"/repos/{target.owner}/{target.repo}/releases/tags/{tag.name}"
    existing: dict[str, Any] | None = get_or_none(gh, path)
    if existing is None:
        if dry_run:
            return Step(name, creating(dry_run), tag.name)
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
        return Step(name, creating(dry_run), str(created.json().get("html_url", tag.name)))
    if all(existing.get(key) == value for key, value in wanted.items()):
        return Step(name, UNCHANGED, str(existing.get("html_url", tag.name)))
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
    return Step(name, updating(dry_run), f"{tag.name}: {', '.join(changed)}")


# -- commands --------------------------------------------------------------------


def publish(
    root: Path,
    settings: Settings,
    target: Target,
    gh: GitHub[TokenAuthStrategy],
    tag_name: str,
    steps: Steps,
    *,
    dry_run: bool = False,
) -> None:
    """Verify, move `vN` to the tag's commit, publish the Release; refuses before any write."""
    problems = verify(root, settings, tag_name)
    if problems:
        raise Refused("\n".join(problems), f"{tag_name} must not be released; {NOTHING_CHANGED}")
    tag = ReleaseTag.parse(tag_name)
    notes = release_notes(root / CHANGELOG, tag.version)
    try:
        commit = commit_of(root, "HEAD")
    except GitError as exc:
        raise Refused(f"{root} is not a git checkout of the tag: {exc}", NOTHING_CHANGED) from exc
    with translated():
        tags = remote_tags(root, target)
    if tags.get(tag.name) != commit:
        where = f"points to {tags[tag.name]}" if tag.name in tags else "does not exist"
        raise Refused(
            f"{tag.name} {where} on {target.owner}/{target.repo}, but the checked tree is {commit}",
            f"release from a checkout of the pushed tag; {NOTHING_CHANGED}",
        )
    latest = not tag.is_prerelease and _newer_on_line(tag, tags) is None
    steps.run(tag.major_tag, functools.partial(move_major, root, target, tag, commit, tags, dry_run=dry_run))
    steps.run(
        "release", functools.partial(publish_release, gh, target, tag, notes, latest=latest, dry_run=dry_run)
    )


def rollback(root: Path, target: Target, to_name: str, steps: Steps, *, dry_run: bool = False) -> None:
    """Point `vN` back at an earlier final release `to_name`, which must exist on the remote."""
    tag = ReleaseTag.parse(to_name)
    if tag.is_prerelease:
        raise Refused(
            f"{tag.name} is a pre-release; {tag.major_tag} only ever points to releases", NOTHING_CHANGED
        )
    with translated():
        tags = remote_tags(root, target)
    commit = tags.get(tag.name)
    if commit is None:
        raise Refused(
            f"{tag.name} is not a tag of {target.owner}/{target.repo}: nothing to roll back to",
            NOTHING_CHANGED,
        )
    steps.run(tag.major_tag, functools.partial(_roll_back, root, target, tag, commit, tags, dry_run=dry_run))


def _roll_back(
    root: Path, target: Target, tag: ReleaseTag, commit: str, tags: Mapping[str, str], *, dry_run: bool
) -> Step:
    current = tags.get(tag.major_tag)
    if current == commit:
        return Step(tag.major_tag, UNCHANGED, f"{tag.major_tag} already points to {tag.name} ({commit})")
    was = ", ".join(release.name for release in _releases_at(tags, current)) or str(current)
    if not dry_run:
        git(
            "fetch", "--quiet", "--no-tags", target.git_url, f"refs/tags/{tag.name}",
            cwd=root, env=target.env.git_environ(),
        )  # fmt: skip
        _point_major(root, target, tag.major_tag, commit)
    return Step(tag.major_tag, updating(dry_run), f"{tag.major_tag} -> {tag.name} ({commit}), was {was}")
