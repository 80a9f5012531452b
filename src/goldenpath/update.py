"""`goldenpath update`: bring a generated repository to a newer template release.

Runs inside a generated repository. `.copier-answers.yml` (written by copier,
and by the cookiecutter post-gen hook in the same shape) records the central
repository (`_src_path`) and the release it was rendered from (`_commit`). The
central repository's release tags, read with `git ls-remote`, say whether a
newer release exists on the same release line. A new major release is only
reported: crossing it takes an explicit `--to vN.0.0`.

The update itself is copier's (`copier update --trust --defaults` through the
Python API): a 3-way merge that keeps the repository's own edits, plus the
template's `_migrations` for what a merge cannot express (docs/releasing.md).
Exit codes (goldenpath.console): 0 up to date or updated cleanly, 1 behind
(`--check`), refused (dirty worktree) or conflicts left to resolve, 2 no
answers file, unreachable source or an unknown release.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from goldenpath.changelog import CHANGELOG, changes_between
from goldenpath.console import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, progress, write_step_summary
from goldenpath.git import GitError, git
from goldenpath.github.client import github_env
from goldenpath.refs import ReleaseTag, releases

ANSWERS_FILE = ".copier-answers.yml"
COPIER_CONFIG = "copier.yml"
ConflictStyle = Literal["inline", "rej"]
CONFLICT_STYLES: tuple[ConflictStyle, ...] = ("inline", "rej")
# The labels copier (and hooks/migrate.py) write around a conflicting hunk.
CONFLICT_START = "<<<<<<< before updating"
# copier's own shorthands for hosted repositories.
_SHORTHANDS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}


class UpdateError(Exception):
    """The update cannot start or cannot reach what it needs (exit 2)."""


class UpdateRefused(Exception):
    """The repository is not in a state an update may touch (exit 1)."""


@dataclass(frozen=True)
class Answers:
    """What `.copier-answers.yml` says about where the repository came from."""

    source: str
    recorded: str
    current: ReleaseTag


@dataclass(frozen=True)
class Status:
    """Where the repository stands against the central repository's releases."""

    source: str
    current: ReleaseTag
    newest: ReleaseTag
    newest_major: ReleaseTag | None
    between: list[ReleaseTag]
    changelog: str = ""

    @property
    def behind(self) -> bool:
        return self.newest > self.current

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "current": self.current.name,
            "newest": self.newest.name,
            "behind": self.behind,
            "new_major": self.newest_major.name if self.newest_major else None,
            "releases_between": [release.name for release in self.between],
            "changelog": self.changelog,
        }


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

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# -- reading the repository and the central repository ----------------------------
def read_answers(repo: Path) -> Answers:
    path = repo / ANSWERS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UpdateError(
            f"{path} does not exist: goldenpath update works in a repository generated from the "
            "goldenpath template (copier or cookiecutter), which records its source there"
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise UpdateError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not data.get("_src_path") or not data.get("_commit"):
        raise UpdateError(f"{path} has no _src_path and _commit; it should hold both, as copier writes them")
    recorded = str(data["_commit"])
    current = ReleaseTag.of_commit(recorded)
    if current is None:
        raise UpdateError(
            f"{path}: _commit is {recorded!r}, a commit without a release tag, so there is no "
            "release to start from; write there the release the repository was rendered from: "
            "`_commit: v<version>`, with the version in pyproject.toml of the template at "
            f"{recorded}, commit it and run `goldenpath update` again"
        )
    return Answers(_expand_source(str(data["_src_path"])), recorded, current)


def _expand_source(source: str) -> str:
    for prefix, url in _SHORTHANDS.items():
        if source.startswith(prefix):
            rest = source.removeprefix(prefix)
            return url + (rest if rest.endswith(".git") else rest + ".git")
    return source


def git_environment() -> dict[str, str]:
    """What git needs beyond the process environment: never prompt, and the GitHub token as a header."""
    environ = {"GIT_TERMINAL_PROMPT": "0"}
    if os.environ.get("GITHUB_TOKEN"):
        environ.update(github_env().git_environ())
    return environ


def remote_releases(source: str) -> list[ReleaseTag]:
    """The final releases of the central repository, oldest first (pre-releases are never update targets)."""
    try:
        listed = git("ls-remote", "--tags", "--refs", source, env=git_environment())
    except GitError as exc:
        raise UpdateError(
            f"cannot list the releases of {source} (git ls-remote): {exc.stderr}; "
            "check the URL in .copier-answers.yml (_src_path) and your access to it"
        ) from exc
    tags = [line.split("refs/tags/", 1)[-1] for line in listed.splitlines() if "refs/tags/" in line]
    return releases(tags)


@contextmanager
def template_at(source: str, release: ReleaseTag) -> Iterator[Path]:
    """A shallow checkout of the central repository at one release tag, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="goldenpath-template-") as scratch:
        target = Path(scratch) / "template"
        try:
            git(
                "-c", "advice.detachedHead=false", "clone", "--quiet", "--depth", "1",
                "--branch", release.name, source, str(target), env=git_environment(),
            )  # fmt: skip
        except GitError as exc:
            raise UpdateError(f"cannot fetch {source} at {release.name}: {exc.stderr}") from exc
        yield target


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


def check(repo: Path, *, with_changelog: bool = True) -> Status:
    """Compare the repository's release with the central repository's release tags."""
    answers = read_answers(repo)
    available = remote_releases(answers.source)
    if not available:
        raise UpdateError(f"{answers.source} has no release tags (vX.Y.Z)")
    current = answers.current
    on_line = [release for release in available if release.major == current.major]
    newest = max([current, *on_line])
    majors = [release for release in available if release.major > current.major]
    between = [release for release in on_line if current < release <= newest]
    changelog = ""
    if with_changelog and newest > current:
        with template_at(answers.source, newest) as template:
            path = template / CHANGELOG
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
        changelog = changes_between(text, current, newest)
    return Status(answers.source, current, newest, max(majors) if majors else None, between, changelog)


# -- the update ---------------------------------------------------------------------
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
        raise UpdateError(str(exc)) from exc


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
        raise UpdateError(f"--conflict must be one of {', '.join(CONFLICT_STYLES)}, got {conflict!r}")
    status = check(repo, with_changelog=False)
    if to is None:
        target = status.newest
    else:
        wanted = ReleaseTag.parse_or_none(to)
        if wanted is None or wanted.is_prerelease:
            raise UpdateError(f"--to {to!r} is not a release tag; expected vX.Y.Z, e.g. {status.newest.name}")
        if wanted not in remote_releases(status.source):
            raise UpdateError(f"--to {to}: {status.source} has no such release tag")
        if wanted < status.current:
            raise UpdateError(
                f"--to {to} is older than the repository's {status.current.name}; no downgrades"
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
        raise UpdateRefused(
            f"{repo} has uncommitted changes ({', '.join(dirty[:5])}{', ...' if len(dirty) > 5 else ''}); "
            "commit or stash them first, so the update is a reviewable diff of its own"
        )
    with template_at(status.source, target) as template:
        changelog = template / CHANGELOG
        if changelog.is_file():
            result.changelog = changes_between(changelog.read_text(encoding="utf-8"), status.current, target)
        config = template / COPIER_CONFIG
        if config.is_file():
            result.migrations = migrations_between(config.read_text(encoding="utf-8"), status.current, target)
    progress(f"goldenpath update: {status.current.name} -> {target.name} from {status.source}")
    _copier_update(repo, target, conflict)
    _record_release(repo, target)
    result.changed = changed_paths(repo)
    result.conflicts = conflicted_paths(repo, result.changed, conflict)
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
        raise UpdateError(f"copier update to {target.name} failed: {exc}") from exc
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


# -- reporting -----------------------------------------------------------------------
def status_text(status: Status) -> str:
    lines = [
        f"current: {status.current.name} (release line {status.current.major_tag})",
        f"newest:  {status.newest.name}",
    ]
    if status.behind:
        lines.append(f"behind by {len(status.between)} release(s): run `goldenpath update`")
    else:
        lines.append(f"up to date on release line {status.current.major_tag}")
    if status.newest_major:
        lines.append(
            f"a new major release exists: {status.newest_major.name} (never automatic; read its "
            f"CHANGELOG, then `goldenpath update --to {status.newest_major.name}`)"
        )
    if status.changelog:
        lines += ["", status.changelog]
    return "\n".join(lines)


def result_markdown(result: UpdateResult) -> str:
    """The update as a pull request body and job summary: conflicts first, as a checklist."""
    lines = [
        f"Brings this repository from goldenpath {result.previous} to {result.target} (`goldenpath update`).",
        "",
    ]
    if result.conflicts:
        lines += ["## Conflicts to resolve", ""]
        lines += [f"- [ ] `{path}`" for path in result.conflicts]
        lines += [
            "",
            "Each holds `<<<<<<< before updating` ... `>>>>>>> after updating` markers: keep what you need, remove the markers.",
            "",
        ]
    else:
        lines += ["No conflicts: every local edit merged cleanly.", ""]
    lines += ["## Files changed", ""]
    lines += [f"- `{path}`" for path in result.changed] or ["- none"]
    if result.migrations:
        lines += ["", "## Migrations that ran", ""]
        lines += [f"- `{migration}`" for migration in result.migrations]
    if result.changelog:
        lines += ["", "## What changed in goldenpath", "", result.changelog]
    if result.new_major:
        lines += [
            "",
            f"A new major release, {result.new_major}, exists. It is never applied by itself: "
            f"read its CHANGELOG, then run `goldenpath update --to {result.new_major}`.",
        ]
    return "\n".join(lines) + "\n"


def result_text(result: UpdateResult) -> str:
    if result.previous == result.target:
        return f"already on {result.target}; nothing to update"
    lines = [f"updated {result.previous} -> {result.target}", "files changed:"]
    lines += [f"  {path}" for path in result.changed] or ["  none"]
    lines += ["migrations that ran:"] + ([f"  {m}" for m in result.migrations] or ["  none"])
    lines += ["files with conflicts:"] + ([f"  {p}" for p in result.conflicts] or ["  none"])
    if result.conflicts:
        lines.append("resolve the conflict markers (or .rej files), then commit")
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------
def register(commands: Any) -> None:
    update = commands.add_parser(
        "update", help="bring this generated repository to a newer goldenpath template release"
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
        help="how to leave conflicts (default: inline markers)",
    )
    update.add_argument("--path", default=".", help="the generated repository (default: .)")
    update.add_argument("--json", action="store_true", help="print a machine-readable result")
    update.add_argument(
        "--open-pr",
        action="store_true",
        help="in a workflow: commit to branch goldenpath/update, push it and open or update one pull request",
    )
    update.set_defaults(handler=_update)


def _update(args: argparse.Namespace) -> int:
    repo = Path(args.path)
    try:
        if args.check:
            status = check(repo)
            print(json.dumps(status.as_json(), indent=2) if args.json else status_text(status))
            return EXIT_REFUSED if status.behind else EXIT_OK
        if args.open_pr:
            from goldenpath.github.update_pr import open_update_pr

            return open_update_pr(repo, to=args.to, json_output=args.json)
        result = run_update(repo, to=args.to, conflict=args.conflict)
    except UpdateRefused as exc:
        print(f"goldenpath update: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except UpdateError as exc:
        print(f"goldenpath update: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(result.as_json(), indent=2) if args.json else result_text(result))
    if result.previous != result.target:
        write_step_summary(result_markdown(result))
    return EXIT_REFUSED if result.conflicts else EXIT_OK
