"""Template drift: which release a repo was rendered from, and how far behind its line it is.

Releases are the central repo's `vX.Y.Z` tags (goldenpath.refs.expected_ref
builds them from a version); the moving `vN` tags are not releases. The
supported major is `central.release_line` from the settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from goldenpath.fleet.model import TemplateDrift
from goldenpath.refs import expected_ref

# `_commit` as copier records it: a tag, or `git describe` output past a tag (v1.2.0-3-gabc1234).
_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g[0-9a-f]+)?$")

Version = tuple[int, int, int]


def parse_release(text: str) -> Version | None:
    """(major, minor, patch) of a release tag or a describe string past one; None otherwise."""
    match = _RELEASE.match(text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def release_tag(version: Version) -> str:
    return expected_ref(".".join(map(str, version)))


def central_releases(tag_names: Iterable[str]) -> list[str]:
    """The release tags, newest first (describe strings and moving `vN` tags are left out)."""
    versions = {parsed for name in tag_names if "-" not in name and (parsed := parse_release(name))}
    return [release_tag(version) for version in sorted(versions, reverse=True)]


def template_drift(commit: str | None, releases: list[str], release_line: str) -> TemplateDrift:
    """Judge `_commit` against the central releases and the supported line (`vN`)."""
    if not commit:
        return TemplateDrift(
            "unknown", None, None, _newest(releases, None), None, "no _commit in .copier-answers.yml"
        )
    version = parse_release(commit)
    if version is None:
        return TemplateDrift(
            "unknown", None, commit, None, None, f"_commit {commit!r} is not a release tag (vX.Y.Z)"
        )
    tag = release_tag(version)
    newest = _newest(releases, version[0])
    newer = [
        release
        for release in releases
        if (parsed := parse_release(release)) and parsed[0] == version[0] and parsed > version
    ]
    if f"v{version[0]}" != release_line:
        return TemplateDrift(
            "unsupported-major",
            tag,
            commit,
            newest,
            len(newer),
            f"major v{version[0]} is not the supported line {release_line}",
        )
    if not releases:
        return TemplateDrift("unknown", tag, commit, None, None, "the central repo has no release tags")
    status = "behind" if newer else "current"
    reason = f"{len(newer)} release(s) behind {newest}" if newer else f"on the newest release {newest}"
    return TemplateDrift(status, tag, commit, newest, len(newer), reason)


def _newest(releases: list[str], major: int | None) -> str | None:
    for release in releases:
        parsed = parse_release(release)
        if parsed and (major is None or parsed[0] == major):
            return release
    return None
