"""Where a generated repository came from, and which newer releases its source has.

`.copier-answers.yml` (written by copier, and by the cookiecutter post-gen hook
in the same shape) records the central repository (`_src_path`) and the
release it was rendered from (`_commit`). The central repository's release
tags, read with `git ls-remote`, say whether a newer release exists on the
same release line. A new major release is only reported: crossing it takes
an explicit `--to vN.0.0`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from goldenpath.changelog import CHANGELOG, changes_between
from goldenpath.errors import UsageError
from goldenpath.git import GitError, bounded_environment, git, remote_failure
from goldenpath.github.client import github_env
from goldenpath.refs import ReleaseTag, releases

ANSWERS_FILE = ".copier-answers.yml"
# copier's own shorthands for hosted repositories.
_SHORTHANDS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
CHECK_SOURCE = "check the URL in .copier-answers.yml (_src_path) and your access to it"


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


def read_answers(repo: Path) -> Answers:
    path = repo / ANSWERS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path} does not exist",
            "goldenpath update works in a repository generated from the goldenpath template "
            "(copier or cookiecutter), which records its source there",
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", f"restore {ANSWERS_FILE} from git") from exc
    if not isinstance(data, dict) or not data.get("_src_path") or not data.get("_commit"):
        raise UsageError(f"{path} has no _src_path and _commit", "it should hold both, as copier writes them")
    recorded = str(data["_commit"])
    current = ReleaseTag.of_commit(recorded)
    if current is None:
        raise UsageError(
            f"{path}: _commit is {recorded!r}, a commit without a release tag, so there is no "
            "release to start from",
            "write there the release the repository was rendered from: `_commit: v<version>`, with "
            f"the version in pyproject.toml of the template at {recorded}, commit it and run "
            "`goldenpath update` again",
        )
    return Answers(_expand_source(str(data["_src_path"])), recorded, current)


def _expand_source(source: str) -> str:
    for prefix, url in _SHORTHANDS.items():
        if source.startswith(prefix):
            rest = source.removeprefix(prefix)
            return url + (rest if rest.endswith(".git") else rest + ".git")
    return source


def git_environment() -> dict[str, str]:
    """What git (ours and copier's) needs beyond the process environment: bounds, and the GitHub token
    as a header."""
    environ = bounded_environment()
    if os.environ.get("GITHUB_TOKEN"):
        environ.update(github_env().git_environ())
    return environ


def remote_releases(source: str) -> list[ReleaseTag]:
    """The final releases of the central repository, oldest first (pre-releases are never update targets)."""
    try:
        listed = git("ls-remote", "--tags", "--refs", source, env=git_environment())
    except GitError as exc:
        raise remote_failure(exc, CHECK_SOURCE).within(f"cannot list the releases of {source}") from None
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
            raise remote_failure(exc, CHECK_SOURCE).within(
                f"cannot fetch {source} at {release.name}"
            ) from None
        yield target


def check(repo: Path, *, with_changelog: bool = True) -> Status:
    """Compare the repository's release with the central repository's release tags."""
    answers = read_answers(repo)
    available = remote_releases(answers.source)
    if not available:
        raise UsageError(f"{answers.source} has no release tags (vX.Y.Z)", CHECK_SOURCE)
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
