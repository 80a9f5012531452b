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

from goldenpath.refs import RefsError, ReleaseTag

CHANGELOG = "CHANGELOG.md"

_HEADING = re.compile(r"^##\s+\[?(?P<version>[^\]\s]+)\]?(?:\s+-\s+(?P<date>.*?))?\s*$")
_LINK_DEFINITION = re.compile(r"^\[[^\]]+\]:\s+\S")
_SUBHEADING = re.compile(r"^#{3,}\s")


class ChangelogError(ValueError):
    """The changelog cannot say what a version's notes are."""


@dataclass(frozen=True)
class Section:
    """One version's notes: the text under its `## [version]` heading, without the heading."""

    version: str
    line: int  # of the heading, 1-based
    body: str

    @property
    def is_empty(self) -> bool:
        """True when nothing but blank lines and `### Added`-style headings is there."""
        return not any(text.strip() and not _SUBHEADING.match(text) for text in self.body.splitlines())

    @property
    def release(self) -> ReleaseTag | None:
        """The release this section describes; None for `[Unreleased]` and other non-version headings."""
        try:
            return ReleaseTag.parse(f"v{self.version}")
        except RefsError:
            return None


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
        sections.append(Section(match["version"], index + 1, "\n".join(lines[index + 1 : end]).strip("\n")))
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


def sections_between(sections: list[Section], after: str, upto: str) -> list[Section]:
    """Sections of the releases newer than `after` up to and including `upto`, newest first.

    What someone moving from version `after` to `upto` gets; `[Unreleased]`
    and headings that are not versions are left out.
    """
    low, high = ReleaseTag.parse(f"v{after}").precedence(), ReleaseTag.parse(f"v{upto}").precedence()
    found = [
        (release.precedence(), section)
        for section in sections
        if (release := section.release) is not None and low < release.precedence() <= high
    ]
    return [section for _, section in sorted(found, key=lambda pair: pair[0], reverse=True)]
