"""Template drift: which release a repo was rendered from, and how far behind its line it is.

Releases are the central repo's final `vX.Y.Z` tags (goldenpath.refs.releases);
pre-releases and the moving `vN` tags are not releases. The supported major is
`central.release_line` from the settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from goldenpath.fleet.model import TemplateDrift
from goldenpath.refs import ReleaseTag, releases


def central_releases(tag_names: Iterable[str]) -> list[str]:
    """The release tags, newest first (pre-releases, describe strings and moving `vN` tags are left out)."""
    return [release.name for release in reversed(releases(tag_names))]


def template_drift(commit: str | None, release_names: list[str], release_line: str) -> TemplateDrift:
    """Judge `_commit` against the central releases and the supported line (`vN`)."""
    known = releases(release_names)
    if not commit:
        newest = known[-1].name if known else None
        return TemplateDrift("unknown", None, None, newest, None, "no _commit in .copier-answers.yml")
    version = ReleaseTag.of_commit(commit)
    if version is None:
        return TemplateDrift(
            "unknown", None, commit, None, None, f"_commit {commit!r} is not a release tag (vX.Y.Z)"
        )
    on_line = [release for release in known if release.major == version.major]
    newest = on_line[-1].name if on_line else None
    newer = [release for release in on_line if release > version]
    if version.major_tag != release_line:
        return TemplateDrift(
            "unsupported-major",
            version.name,
            commit,
            newest,
            len(newer),
            f"major {version.major_tag} is not the supported line {release_line}",
        )
    if not known:
        return TemplateDrift(
            "unknown", version.name, commit, None, None, "the central repo has no release tags"
        )
    status = "behind" if newer else "current"
    reason = f"{len(newer)} release(s) behind {newest}" if newer else f"on the newest release {newest}"
    return TemplateDrift(status, version.name, commit, newest, len(newer), reason)
