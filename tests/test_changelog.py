"""CHANGELOG sections by version: what a release publishes and what an update shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldenpath.changelog import (
    ChangelogError,
    changes_between,
    parse_sections,
    release_notes,
    sections_between,
)
from goldenpath.refs import ReleaseTag, project_version
from rendering import REPO_ROOT

TEXT = """# Changelog

Intro text that belongs to no section.

## [Unreleased]

### Added
- Something not released yet.

## [1.3.0-rc.1] - 2026-11-20

### Added
- Release candidate of the release notes.

## [1.2.0] - 2026-11-01

### Added
- `goldenpath release` publishes [notes][docs].

  An indented paragraph inside the bullet.

### Fixed
- A fix.

## 1.1.0 - 2026-10-01

### Changed

## [1.0.0] - 2026-09-01

- First release.

[docs]: https://example.invalid/docs
[1.2.0]: https://example.invalid/compare/v1.1.0...v1.2.0
[1.0.0]: https://example.invalid/releases/tag/v1.0.0
"""


def test_each_section_is_the_text_under_its_heading() -> None:
    sections = {section.version: section for section in parse_sections(TEXT)}
    assert list(sections) == ["Unreleased", "1.3.0-rc.1", "1.2.0", "1.1.0", "1.0.0"]
    assert sections["1.2.0"].body == (
        "### Added\n"
        "- `goldenpath release` publishes [notes][docs].\n"
        "\n"
        "  An indented paragraph inside the bullet.\n"
        "\n"
        "### Fixed\n"
        "- A fix."
    )
    assert sections["1.2.0"].line == TEXT.splitlines().index("## [1.2.0] - 2026-11-01") + 1
    # The link definitions at the end of the file are no part of the last section.
    assert sections["1.0.0"].body == "- First release."


def test_a_section_with_only_subheadings_is_empty() -> None:
    sections = {section.version: section for section in parse_sections(TEXT)}
    assert sections["1.1.0"].is_empty
    assert not sections["1.0.0"].is_empty
    assert not sections["Unreleased"].is_empty


def test_release_notes_refuse_a_missing_or_empty_section(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(TEXT, encoding="utf-8")
    assert release_notes(changelog, "1.0.0") == "- First release."
    with pytest.raises(ChangelogError, match=r"no section for 1\.4\.0: add '## \[1\.4\.0\] - <date>'"):
        release_notes(changelog, "1.4.0")
    line = TEXT.splitlines().index("## 1.1.0 - 2026-10-01") + 1
    with pytest.raises(ChangelogError, match=rf"CHANGELOG\.md:{line}: the section for 1\.1\.0 is empty"):
        release_notes(changelog, "1.1.0")
    with pytest.raises(ChangelogError, match="cannot read"):
        release_notes(tmp_path / "missing.md", "1.0.0")


def versions_between(after: str, upto: str) -> list[str]:
    found = sections_between(parse_sections(TEXT), ReleaseTag.parse(after), ReleaseTag.parse(upto))
    return [section.version for section in found]


def test_sections_between_two_versions_newest_first() -> None:
    assert versions_between("v1.0.0", "v1.2.0") == ["1.2.0", "1.1.0"]
    assert versions_between("v1.0.0", "v1.3.0-rc.1") == ["1.3.0-rc.1", "1.2.0", "1.1.0"]
    assert versions_between("v1.2.0", "v1.2.0") == []
    # A pre-release sorts before its release, so 1.3.0 includes its candidate.
    assert versions_between("v1.2.0", "v1.3.0") == ["1.3.0-rc.1"]
    assert versions_between("v1.3.0", "v1.4.0") == []


def test_changes_between_are_the_sections_with_their_headings() -> None:
    """What `goldenpath update` shows: each section under its heading, without the file's link definitions."""
    assert changes_between(TEXT, ReleaseTag(0, 9, 0), ReleaseTag(1, 1, 0)) == (
        "## 1.1.0 - 2026-10-01\n\n### Changed\n\n## [1.0.0] - 2026-09-01\n\n- First release."
    )
    text = changes_between(TEXT, ReleaseTag(1, 1, 0), ReleaseTag(1, 3, 0))
    assert text.startswith("## [1.3.0-rc.1] - 2026-11-20\n\n### Added\n- Release candidate")
    assert "## [1.2.0] - 2026-11-01\n\n### Added" in text and "- A fix." in text
    assert "1.1.0" not in text and "not released yet" not in text and "Intro" not in text
    assert changes_between(TEXT, ReleaseTag(1, 2, 0), ReleaseTag(1, 2, 0)) == ""


def test_the_shipped_changelog_has_notes_for_the_package_version() -> None:
    version = project_version(REPO_ROOT)
    assert release_notes(REPO_ROOT / "CHANGELOG.md", version).strip()
