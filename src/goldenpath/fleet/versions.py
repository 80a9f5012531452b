"""Template drift: which release a repo was rendered from, and how far behind the supported line it is.

Releases are the central repo's final `vX.Y.Z` tags (goldenpath.refs.releases);
pre-releases and the moving `vN` tags are not releases. The supported line is
`central.release_line` from the settings, and "newest", "current" and "behind"
always mean that line: a newer major (`v2.0.0` while the line is `v1`) is a
separate fact, `newest_overall`, that repos reach with `goldenpath update --to`.
`_commit` may be copier's git-describe form: `v1.0.1-0-gfe3da8c` is exactly
`v1.0.1`; `v1.0.1-3-g...` is three template commits after it, judged as
`v1.0.1` with those commits named in the reason.
"""

from __future__ import annotations

import re

from goldenpath.fleet.model import TemplateDrift
from goldenpath.fleet.release_line import ReleaseLine
from goldenpath.refs import ReleaseTag

_COMMITS_AFTER = re.compile(r"^v[0-9]+\.[0-9]+\.[0-9]+-(?P<after>[0-9]+)-g[0-9a-f]+$")


def template_drift(commit: str | None, line: ReleaseLine) -> TemplateDrift:
    """Judge `_commit` against the central releases and the supported line (`vN`).

    `newest_in_line` is the supported line's newest release whenever the repo's
    version is known, and null when it is not; `behind` counts the supported
    line's releases newer than the repo's, so it is null off the line.
    """
    if not commit:
        return TemplateDrift("unknown", None, None, None, None, "no _commit in .copier-answers.yml")
    version = ReleaseTag.of_commit(commit)
    if version is None:
        return TemplateDrift(
            "unknown", None, commit, None, None, f"_commit {commit!r} is not a release tag (vX.Y.Z)"
        )
    after = _COMMITS_AFTER.match(commit.strip())
    past = (
        f"{after['after']} template commit(s) after {version.name}; " if after and int(after["after"]) else ""
    )
    newest = line.newest
    if version.major_tag != line.line:
        return TemplateDrift(
            "unsupported-major", version.name, commit, newest, None, past + _off_line(version, line)
        )
    if newest is None:
        return TemplateDrift(
            "unknown", version.name, commit, None, None, f"the central repo has no {line.line} release"
        )
    newer = [name for name in line.on_line if ReleaseTag.parse(name) > version]
    status = "behind" if newer else "current"
    reason = f"{len(newer)} release(s) behind {newest}" if newer else f"on the newest release {newest}"
    return TemplateDrift(status, version.name, commit, newest, len(newer), past + reason)


def _off_line(version: ReleaseTag, line: ReleaseLine) -> str:
    if version.major > int(line.line[1:]):
        return f"major {version.major_tag} is newer than the supported line {line.line}"
    move = f"; move with goldenpath update --to {line.newest}" if line.newest else ""
    return f"major {version.major_tag} is not the supported line {line.line}{move}"
