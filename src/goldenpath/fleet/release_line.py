"""The central repo's releases as the report speaks of them: the supported line, and anything newer.

"Newest", "current" and "behind" always mean the supported line
(`central.release_line`); the newest release of a higher major is a separate,
labelled fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from goldenpath.refs import releases


@dataclass(frozen=True)
class ReleaseLine:
    """The central releases as the report speaks of them: the supported line first."""

    line: str  # "v1"
    releases: tuple[str, ...]  # every final release, newest first

    @classmethod
    def of(cls, line: str, tag_names: Iterable[str]) -> ReleaseLine:
        return cls(line, tuple(central_releases(tag_names)))

    @property
    def on_line(self) -> tuple[str, ...]:
        """The supported line's releases, newest first."""
        return tuple(name for name in self.releases if major_tag(name) == self.line)

    @property
    def newest(self) -> str | None:
        """The newest release of the supported line: what "current" means."""
        return self.on_line[0] if self.on_line else None

    @property
    def newest_overall(self) -> str | None:
        """The newest release of any major; differs from `newest` once a newer major is out."""
        return self.releases[0] if self.releases else None

    @property
    def newer_major(self) -> str | None:
        """The newest release of a major above the supported line, if there is one."""
        newest = self.newest_overall
        if newest is None or major_number(newest) <= major_number(self.line):
            return None
        return newest

    def status_of(self, version: str) -> str:
        """How the version chart colours a release: current, behind, or unsupported-major."""
        if version == self.newest:
            return "current"
        return "behind" if major_tag(version) == self.line else "unsupported-major"


def major_tag(release: str) -> str:
    return release.split(".", 1)[0]


def major_number(release: str) -> int:
    return int(major_tag(release)[1:])


def central_releases(tag_names: Iterable[str]) -> list[str]:
    """The release tags, newest first (pre-releases, describe strings and moving `vN` tags are left out)."""
    return [release.name for release in reversed(releases(tag_names))]
