"""Version coherence of the central workflows' references to this repository.

A reusable workflow that a generated repo calls at `@v1` runs in the caller's
workspace, so it cannot reach this repository's actions by a relative path: it
names them as `<org>/<central-repo>/actions/<name>@REF`. For the workflow and
its actions to come from the same release, REF must be the exact release tag
`v<version>`, where `version` is `[project] version` in pyproject.toml (the
single version source) and the tag points at this very tree. The org and repo
come from goldenpath.yml, so a fork that edits the settings runs `goldenpath
pin-refs` and every self-reference follows.

`.github/zizmor.yml` allows ref-pinning for exactly `<org>/<central-repo>/*`;
its key also records which slug the tree is pinned to, which is how pin-refs
recognises the old self-references after the org or repo name changed, while
leaving references to any other repository alone.

It also holds the one definition of a release tag (`ReleaseTag`, semver
ordered) and of the releases among a list of tags (`releases`), which
`release`, `update`, the changelog and the fleet scan share.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from goldenpath.bundle import line_of
from goldenpath.errors import UsageError
from goldenpath.settings import Settings

PYPROJECT = "pyproject.toml"
LOCKFILE = "uv.lock"
ZIZMOR_CONFIG = Path(".github") / "zizmor.yml"
WORKFLOW_GLOBS = (".github/workflows/*.yml", ".github/workflows/*.yaml")
ACTION_GLOBS = ("actions/*/action.yml", "actions/*/action.yaml")

# `uses: owner/repo[/path]@ref`, optionally as a list item and quoted.
_USES = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)?uses:\s*["']?)"""
    r"""(?P<slug>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?P<path>/[^@\s"']*)?"""
    r"""@(?P<ref>[^\s"'#]+)"""
)
# A zizmor unpinned-uses policy key `"owner/repo/*": ref-pin`.
_POLICY = re.compile(
    r"""^(?P<lead>\s*["']?)(?P<slug>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?P<tail>/\*["']?\s*:\s*ref-pin\b)"""
)


class RefsError(UsageError):
    """The tree is not a goldenpath checkout pin-refs can work on, or a tag is not a release tag."""


@dataclass(frozen=True)
class UsesRef:
    """One `uses:` line that names a repository action or workflow."""

    file: Path
    line: int
    slug: str
    path: str
    ref: str

    def where(self, root: Path) -> str:
        return f"{self.file.relative_to(root).as_posix()}:{self.line}"

    @property
    def target(self) -> str:
        return f"{self.slug}{self.path}@{self.ref}"


def project_version(root: Path) -> str:
    """`[project] version` of pyproject.toml: the one version source of this repository."""
    pyproject = root / PYPROJECT
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RefsError(f"cannot read {pyproject}: {exc.strerror}; is {root} the goldenpath root?") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RefsError(f"{pyproject} is not valid TOML: {exc}") from exc
    version = data.get("project", {}).get("version")
    if not isinstance(version, str) or not version:
        raise RefsError(f"{pyproject} has no [project] version")
    return version


def lock_problems(root: Path) -> list[str]:
    """Why `uv.lock` is stale against the version, or []: uv records the project's own version.

    After a version bump the lock still names the old one, and `uv sync --locked`
    (scripts/bootstrap, CI) refuses it; `scripts/lock` writes the new one.
    """
    lock = root / LOCKFILE
    if not lock.is_file():
        return []
    try:
        packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
    except tomllib.TOMLDecodeError as exc:
        return [f"{LOCKFILE} is not valid TOML ({exc}): run scripts/lock and commit {LOCKFILE}"]
    version = project_version(root)
    own = [p for p in packages if isinstance(p.get("source"), dict) and p["source"].get("editable") == "."]
    return [
        f"{LOCKFILE} records {p.get('name')} {p.get('version')}, but pyproject.toml's version is "
        f"{version}: run scripts/lock and commit {LOCKFILE}"
        for p in own
        if p.get("version") != version
    ]


def expected_ref(version: str) -> str:
    """The release tag whose tree holds this version: self-references must use exactly it."""
    return f"v{version}"


# -- release tags ------------------------------------------------------------------
# The one definition of a release tag and its order (semver, no build metadata).
_RELEASE_TAG = re.compile(
    r"^v(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)\.(?P<patch>0|[1-9][0-9]*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
# `git describe` output past a final release (`v1.2.0-3-gabc1234`), what copier
# records as `_commit` for a commit that is not itself tagged.
_DESCRIBED = re.compile(r"^(?P<tag>v[0-9]+\.[0-9]+\.[0-9]+)-[0-9]+-g[0-9a-f]+$")


@functools.total_ordering
@dataclass(frozen=True)
class ReleaseTag:
    """A release tag `vX.Y.Z[-PRE]`, ordered by semver precedence.

    A pre-release (`v1.3.0-rc.1`) sorts before its release and never moves the
    major tag `vN`; repositories are only ever on, and updated to, final releases.
    """

    major: int
    minor: int
    patch: int
    prerelease: str = ""

    @classmethod
    def parse(cls, tag: str) -> ReleaseTag:
        """The release `tag` names; a RefsError that says what a release tag is for anything else."""
        release = cls.parse_or_none(tag)
        if release is None:
            raise RefsError(
                f"{tag!r} is not a release tag: expected vMAJOR.MINOR.PATCH, "
                "optionally with a pre-release suffix (v1.3.0, v1.3.0-rc.1)"
            )
        return release

    @classmethod
    def parse_or_none(cls, tag: str) -> ReleaseTag | None:
        """The release `tag` names, or None: for scanning lists of tags (surrounding blanks ignored)."""
        match = _RELEASE_TAG.match(tag.strip())
        if not match:
            return None
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"]), match["pre"] or "")

    @classmethod
    def of_commit(cls, ref: str) -> ReleaseTag | None:
        """The final release a recorded template ref is at or descends from (`vX.Y.Z` or its describe form).

        None for anything else, pre-releases included: a repository is on a release or unknown.
        """
        described = _DESCRIBED.match(ref.strip())
        release = cls.parse_or_none(described["tag"] if described else ref)
        return release if release is not None and not release.is_prerelease else None

    @property
    def name(self) -> str:
        return f"v{self.version}"

    @property
    def version(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.prerelease}" if self.prerelease else core

    @property
    def major_tag(self) -> str:
        """The moving tag of this release line (`vN`), which generated repos call."""
        return f"v{self.major}"

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def precedence(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        """Sort key in semver order: a pre-release sorts before its release, identifiers field by field."""
        fields = tuple(
            (0, int(part)) if part.isdigit() else (1, part) for part in self.prerelease.split(".") if part
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, fields)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ReleaseTag):
            return NotImplemented
        return self.precedence() < other.precedence()

    def __str__(self) -> str:
        return self.name


def releases(tags: Iterable[str]) -> list[ReleaseTag]:
    """The final releases among `tags`, oldest first, without duplicates.

    Pre-releases, moving `vN` tags and anything else are left out: these are the
    releases a repository can be on, be updated to, or have `vN` point at.
    """
    found = {
        release for tag in tags if (release := ReleaseTag.parse_or_none(tag)) and not release.is_prerelease
    }
    return sorted(found)


def tag_problems(root: Path, tag: str) -> list[str]:
    """Why `tag` may not release this tree: it must be a release tag equal to `v` + the pyproject version."""
    version = project_version(root)
    try:
        ReleaseTag.parse(expected_ref(version))
    except RefsError:
        return [
            f"{PYPROJECT}: version {version!r} has no release tag form; use MAJOR.MINOR.PATCH "
            "or MAJOR.MINOR.PATCH-PRERELEASE (1.3.0, 1.3.0-rc.1)"
        ]
    try:
        ReleaseTag.parse(tag)
    except RefsError as exc:
        return [str(exc)]
    if tag != expected_ref(version):
        return [f"tag {tag} is not v + the {PYPROJECT} version ({expected_ref(version)})"]
    return []


def ref_files(root: Path) -> list[Path]:
    """The central workflows and composite actions, in a stable order."""
    return sorted({p for pattern in (*WORKFLOW_GLOBS, *ACTION_GLOBS) for p in root.glob(pattern)})


def uses_refs(files: Iterable[Path]) -> list[UsesRef]:
    """Every `uses: owner/repo...@ref` line in the files (local `./` uses are skipped)."""
    return [use for file in files for use in uses_in_text(file.read_text(encoding="utf-8"), file)]


def uses_in_text(text: str, file: Path) -> list[UsesRef]:
    """Every `uses: owner/repo...@ref` line of one file's text (read from disk or from an API)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _USES.match(line)
        if match:
            found.append(UsesRef(file, number, match["slug"], match["path"] or "", match["ref"]))
    return found


def pinned_slug(root: Path) -> tuple[str, int] | None:
    """The slug (and line) the zizmor policy allows ref-pinning for, if the file has one."""
    config = root / ZIZMOR_CONFIG
    if not config.is_file():
        return None
    slugs = [
        (match["slug"], number)
        for number, text in enumerate(config.read_text(encoding="utf-8").splitlines(), start=1)
        if (match := _POLICY.match(text))
    ]
    if len(slugs) > 1:
        raise RefsError(
            f"{ZIZMOR_CONFIG.as_posix()} allows ref-pinning for {len(slugs)} repositories; "
            "expected exactly one, this repository"
        )
    return slugs[0] if slugs else None


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # GitHub owner and repo names are case-insensitive


def check_refs(root: Path, settings: Settings) -> list[str]:
    """Problems as `file:line: message`; empty when every self-reference is coherent."""
    want_slug, want_ref = settings.central_slug, expected_ref(project_version(root))
    old = pinned_slug(root)
    problems = []
    own = 0
    for use in uses_refs(ref_files(root)):
        if _same(use.slug, want_slug):
            own += 1
            if use.ref != want_ref:
                problems.append(
                    f"{use.where(root)}: {use.target} must be pinned to {want_ref} "
                    f"(the tag of pyproject version {want_ref[1:]})"
                )
        elif old and _same(use.slug, old[0]):
            problems.append(
                f"{use.where(root)}: {use.target} names {old[0]}, but goldenpath.yml says {want_slug}"
            )
    if old is None:
        problems.append(
            f"{ZIZMOR_CONFIG.as_posix()}:1: no unpinned-uses policy '{want_slug}/*: ref-pin' for this repository"
        )
    elif not _same(old[0], want_slug):
        problems.append(
            f"{ZIZMOR_CONFIG.as_posix()}:{old[1]}: ref-pin policy is for {old[0]}/*, expected {want_slug}/*"
        )
    if own == 0 and not problems:
        problems.append(f"{root}: no workflow or action uses {want_slug}; is this the goldenpath root?")
    major = f"v{want_ref[1:].split('.')[0]}"
    if settings.release_line != major:
        problems.append(
            f"{settings.source}:{line_of(settings.source.read_text(encoding='utf-8'), 'release_line:') or 1}: "
            f"central.release_line is {settings.release_line}, "
            f"but version {want_ref[1:]} belongs to release line {major}"
        )
    return problems


def pin_refs(root: Path, settings: Settings) -> list[str]:
    """Rewrite self-references (and the zizmor policy key) to settings + version.

    Self-references are those naming the slug from the settings or the slug the
    zizmor policy currently records (the tree's previous org/repo). Returns a
    `file:line: old -> new` line per change.
    """
    want_slug, want_ref = settings.central_slug, expected_ref(project_version(root))
    old = pinned_slug(root)
    own = {want_slug.lower()} | ({old[0].lower()} if old else set())
    changes = []
    for file in ref_files(root):
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        changed = False
        for index, text in enumerate(lines):
            match = _USES.match(text)
            if not match or match["slug"].lower() not in own:
                continue
            path = match["path"] or ""
            new = f"{match['lead']}{want_slug}{path}@{want_ref}"
            if text[: match.end()] != new:
                lines[index] = new + text[match.end() :]
                changes.append(
                    f"{file.relative_to(root).as_posix()}:{index + 1}: "
                    f"{match['slug']}{path}@{match['ref']} -> {want_slug}{path}@{want_ref}"
                )
                changed = True
        if changed:
            file.write_text("".join(lines), encoding="utf-8")
    changes += _pin_policy(root, want_slug)
    return changes


def _pin_policy(root: Path, want_slug: str) -> list[str]:
    config = root / ZIZMOR_CONFIG
    if not config.is_file():
        raise RefsError(f"{config} is missing; it must allow ref-pinning for {want_slug}/*")
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, text in enumerate(lines):
        match = _POLICY.match(text)
        if match:
            if match["slug"] == want_slug:
                return []
            lines[index] = f"{match['lead']}{want_slug}{match['tail']}{text[match.end() :]}"
            config.write_text("".join(lines), encoding="utf-8")
            return [f"{ZIZMOR_CONFIG.as_posix()}:{index + 1}: {match['slug']}/* -> {want_slug}/*"]
    raise RefsError(f"{config} has no '<org>/<repo>/*: ref-pin' policy to update")
