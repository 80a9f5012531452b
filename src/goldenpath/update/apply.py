"""`goldenpath update`: bring a generated repository to a newer template release, keeping its edits.

The update itself is copier's (`copier update --trust --defaults` through the
Python API): a 3-way merge that keeps the repository's own edits, plus the
template's `_migrations` for what a merge cannot express (docs/releasing.md).
A dirty worktree is refused, so the update is a reviewable diff of its own;
conflicts are left in the files (inline markers or `.rej` files) and listed.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from goldenpath.changelog import CHANGELOG, changes_between
from goldenpath.checkout import COPIER_CONFIG
from goldenpath.console import progress
from goldenpath.errors import Refused, UsageError
from goldenpath.git import GitError, git
from goldenpath.refs import ReleaseTag
from goldenpath.update.relock import relock
from goldenpath.update.source import ANSWERS_FILE, check, git_environment, remote_releases, template_at

ConflictStyle = Literal["inline", "rej"]
CONFLICT_STYLES: tuple[ConflictStyle, ...] = ("inline", "rej")
# The labels copier (and hooks/migrate.py) write around a conflicting hunk.
CONFLICT_START = "<<<<<<< before updating"


@dataclass
class UpdateResult:
    """What one update did to the working tree."""

    previous: str
    target: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    changelog: str = ""
    new_major: str | None = None
    # What happened to poetry.lock: unchanged, relocked, or "stale: <what to do>".
    lock: str = "unchanged"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def migrations_between(config_text: str, after: ReleaseTag, upto: ReleaseTag) -> list[str]:
    """The `_migrations` of copier.yml that an update from `after` to `upto` runs, as commands."""
    config = yaml.safe_load(config_text) or {}
    found = []
    for migration in config.get("_migrations") or []:
        if not isinstance(migration, dict) or "version" not in migration:
            continue
        release = ReleaseTag.of_commit(str(migration["version"]))
        if release is not None and after < release <= upto:
            command = migration.get("command", "")
            shown = " ".join(str(part) for part in command) if isinstance(command, list) else str(command)
            found.append(f"{release.name}: {shown}")
    return found


def dirty_paths(repo: Path) -> list[str]:
    """Uncommitted changes and untracked files, as `git status --porcelain` lists them."""
    listed = _status(repo, "--porcelain", "--untracked-files=all")
    return [line[3:] for line in listed.splitlines() if line.strip()]


def changed_paths(repo: Path) -> list[str]:
    """Every path the update touched, relative to the repository root."""
    entries = _status(repo, "--porcelain", "-z", "--untracked-files=all").split("\0")
    paths: list[str] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # a rename is followed by its source path
            index += 1
    return sorted(set(paths))


def _status(repo: Path, *options: str) -> str:
    """`git status` as it prints it (not stripped: a porcelain line starts with its status columns)."""
    try:
        return git("status", *options, cwd=repo, env=git_environment(), strip=False)
    except GitError as exc:
        raise UsageError(
            str(exc), f"run goldenpath update in a git checkout of the repository ({repo})"
        ) from exc


def conflicted_paths(repo: Path, changed: list[str], style: str) -> list[str]:
    """Files the update could not merge: with conflict markers (inline) or a `.rej` beside them."""
    if style == "rej":
        return sorted(path.removesuffix(".rej") for path in changed if path.endswith(".rej"))
    conflicted = []
    for path in changed:
        file = repo / path
        if file.is_file():
            with file.open(encoding="utf-8", errors="replace") as text:
                if any(line.rstrip("\n") == CONFLICT_START for line in text):
                    conflicted.append(path)
    return conflicted


def run_update(repo: Path, *, to: str | None = None, conflict: str = "inline") -> UpdateResult:
    """Update `repo` in place to `to` (default: the newest release on its line)."""
    if conflict not in CONFLICT_STYLES:
        raise UsageError(
            f"--conflict {conflict!r} is not a conflict style", f"use one of {', '.join(CONFLICT_STYLES)}"
        )
    style = conflict  # narrowed to ConflictStyle by the membership test
    status = check(repo, with_changelog=False)
    if to is None:
        target = status.newest
    else:
        wanted = ReleaseTag.parse_or_none(to)
        if wanted is None or wanted.is_prerelease:
            raise UsageError(f"--to {to!r} is not a release tag", f"give vX.Y.Z, e.g. {status.newest.name}")
        if wanted not in remote_releases(status.source):
            raise UsageError(
                f"--to {to}: {status.source} has no such release tag", "give one of its release tags"
            )
        if wanted < status.current:
            raise UsageError(
                f"--to {to} is older than the repository's {status.current.name}",
                "no downgrades: give a newer release",
            )
        target = wanted
    newer_major = (
        status.newest_major if status.newest_major and status.newest_major.major > target.major else None
    )
    result = UpdateResult(
        previous=status.current.name, target=target.name, new_major=newer_major.name if newer_major else None
    )
    if target == status.current:
        return result
    dirty = dirty_paths(repo)
    if dirty:
        raise Refused(
            f"{repo} has uncommitted changes ({', '.join(dirty[:5])}{', ...' if len(dirty) > 5 else ''})",
            "commit or stash them first, so the update is a reviewable diff of its own",
        )
    with template_at(status.source, target) as template:
        changelog = template / CHANGELOG
        if changelog.is_file():
            result.changelog = changes_between(changelog.read_text(encoding="utf-8"), status.current, target)
        config = template / COPIER_CONFIG
        if config.is_file():
            result.migrations = migrations_between(config.read_text(encoding="utf-8"), status.current, target)
    progress(f"goldenpath update: {status.current.name} -> {target.name} from {status.source}")
    _copier_update(repo, target, style)
    _record_release(repo, target)
    result.changed = changed_paths(repo)
    result.conflicts = conflicted_paths(repo, result.changed, style)
    result.lock = relock(repo, result.changed, result.conflicts)
    if result.lock == "relocked":
        result.changed = changed_paths(repo)
    return result


def _copier_update(repo: Path, target: ReleaseTag, conflict: ConflictStyle) -> None:
    # Imported here: copier is heavy and only this command needs it.
    from copier import run_update as copier_run_update
    from copier.errors import CopierError

    token_env = git_environment()
    saved = {name: os.environ.get(name) for name in token_env}
    os.environ.update(token_env)  # copier runs git itself; it must reach a private source too
    try:
        copier_run_update(
            dst_path=repo,
            vcs_ref=target.name,
            defaults=True,
            overwrite=True,
            unsafe=True,
            skip_answered=True,
            conflict=conflict,
            quiet=True,
        )
    except (CopierError, subprocess.CalledProcessError) as exc:
        raise UsageError(
            f"copier update to {target.name} failed: {exc}", "fix what copier names, then run it again"
        ) from exc
    finally:
        _restore(saved)


def _record_release(repo: Path, target: ReleaseTag) -> None:
    """Make `_commit` the release tag itself.

    copier records `git describe --tags`, which names any tag on the release
    commit (the moving `v1`, a `nightly`) when it is lightweight; the next check
    must find the exact release.
    """
    path = repo / ANSWERS_FILE
    text = path.read_text(encoding="utf-8")
    fixed = re.sub(r"(?m)^_commit: .*$", f"_commit: {target.name}", text, count=1)
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")


def _restore(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
