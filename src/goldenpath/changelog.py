"""Sections of a Keep a Changelog file, by version.

A release publishes exactly its version's section as the GitHub Release body,
and refuses to release without one; `goldenpath update` shows a repository the
sections between the template version it has and the one it moves to. Both
read CHANGELOG.md through this module, so "what the notes of a version are"
has one answer.

A section starts at `## [1.2.0]` (optionally `- <date>`, brackets optional)
and runs to the next `## ` heading; the link definitions Keep a Changelog puts
at the end of the file (`[1.2.0]: https://...`) belong to no section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from goldenpath.errors import Refused
from goldenpath.refs import ReleaseTag

CHANGELOG = "CHANGELOG.md"

_HEADING = re.compile(r"^##\s+\[?(?P<version>[^\]\s]+)\]?(?:\s+-\s+(?P<date>.*?))?\s*$")
_LINK_DEFINITION = re.compile(r"^\[[^\]]+\]:\s+\S")
_SUBHEADING = re.compile(r"^#{3,}\s")


class ChangelogError(Refused):
    """The changelog cannot say what a version's notes are: a release of it is refused (exit 1)."""


@dataclass(frozen=True)
class Section:
    """One version's notes: the text under its `## [version]` heading, without the heading."""

    version: str
    line: int  # of the heading, 1-based
    heading: str  # the heading line as written
    body: str

    @property
    def is_empty(self) -> bool:
        """True when nothing but blank lines and `### Added`-style headings is there."""
        return not any(text.strip() and not _SUBHEADING.match(text) for text in self.body.splitlines())

    @property
    def release(self) -> ReleaseTag | None:
        """The release this section describes; None for `[Unreleased]` and other non-version headings."""
        return ReleaseTag.parse_or_none(f"v{self.version}")

    @property
    def text(self) -> str:
        """The section as markdown: its heading, a blank line, its notes."""
        return f"{self.heading}\n\n{self.body}" if self.body else self.heading


def parse_sections(text: str) -> list[Section]:
    """Every `## ` section of the file, in file order."""
    lines = text.splitlines()
    while lines and (not lines[-1].strip() or _LINK_DEFINITION.match(lines[-1])):
        lines.pop()  # the trailing link definitions are the file's, not the last section's
    starts = [(index, match) for index, text in enumerate(lines) if (match := _HEADING.match(text))]
    ends = [index for index, text in enumerate(lines) if text.startswith("## ")] + [len(lines)]
    sections = []
    for index, match in starts:
        end = next(stop for stop in ends if stop > index)
        body = "\n".join(lines[index + 1 : end]).strip("\n")
        sections.append(Section(match["version"], index + 1, lines[index].rstrip(), body))
    return sections


def read_sections(path: Path) -> list[Section]:
    """The sections of the changelog at `path`; a missing file is reported as such."""
    try:
        return parse_sections(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ChangelogError(f"cannot read {path}: {exc.strerror}") from exc


def section_for(sections: list[Section], version: str) -> Section | None:
    """The section of exactly `version` (as written in pyproject, without `v`)."""
    return next((section for section in sections if section.version == version), None)


def release_notes(path: Path, version: str) -> str:
    """The body a release of `version` publishes; refuses a missing or empty section."""
    section = section_for(read_sections(path), version)
    if section is None:
        raise ChangelogError(
            f"{path.name} has no section for {version}: add '## [{version}] - <date>' "
            "with the release's notes (move them from [Unreleased])"
        )
    if section.is_empty:
        raise ChangelogError(
            f"{path.name}:{section.line}: the section for {version} is empty: "
            "write what changed under it before releasing"
        )
    return section.body


def sections_between(sections: list[Section], after: ReleaseTag, upto: ReleaseTag) -> list[Section]:
    """Sections of the releases newer than `after` up to and including `upto`, newest first.

    What someone moving from `after` to `upto` gets, the pre-releases of the
    versions crossed included (`v1.3.0-rc.1` comes before `v1.3.0`);
    `[Unreleased]` and headings that are not versions are left out.
    """
    found = [
        (release, section)
        for section in sections
        if (release := section.release) is not None and after < release <= upto
    ]
    return [section for _, section in sorted(found, key=lambda pair: pair[0], reverse=True)]


def changes_between(text: str, after: ReleaseTag, upto: ReleaseTag) -> str:
    """The changelog `text`'s sections between two releases, as one markdown text, newest first."""
    return "\n\n".join(section.text for section in sections_between(parse_sections(text), after, upto))
