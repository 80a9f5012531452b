"""How one file changed on the default branch: the versions in effect over a recent window.

GitHub lists the commits that changed a path (`GET .../commits?path=&since=`);
each version's text is read at its commit. What was in effect over a window
is every version a commit wrote inside it, and the one in effect when it
began (the version before the oldest of them, or the file as it is when no
commit changed it since). A history only changes with a push, so the scan
keeps it by `pushed_at` and a rescan of an unchanged repo reads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HISTORY_LIMIT = 10  # the changes of a file a scan reads (a list call, and one read each)


@dataclass(frozen=True)
class Version:
    """The file as one commit left it (`text` None: the commit deleted it, or it did not exist yet)."""

    commit: str
    date: str  # the commit's time, UTC ISO 8601; "" for the version in effect when the window began
    url: str | None  # the commit's page
    text: str | None

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "date": self.date, "url": self.url, "text": self.text}


@dataclass(frozen=True)
class FileHistory:
    path: str
    versions: tuple[Version, ...]  # newest first: each commit since the window read, then the one before
    complete: bool  # False when more commits changed the file than were read

    def in_effect_since(self, moment: datetime) -> tuple[Version, ...]:
        """The versions in effect at some time since `moment`, newest first."""
        later = [v for v in self.versions if _moment(v.date) >= moment]
        earlier = [v for v in self.versions if _moment(v.date) < moment]
        return (*later, *earlier[:1])

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "versions": [v.to_json() for v in self.versions],
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileHistory:
        return cls(data["path"], tuple(Version(**v) for v in data["versions"]), bool(data["complete"]))


def read_history(
    commits: list[dict[str, Any]],
    current: str | None,
    text_at: Callable[[str], str | None],
    *,
    path: str,
    limit: int,
) -> FileHistory:
    """The history of `path` from the listed `commits` (newest first, at most `limit` read).

    The newest commit left the file as it is now (`current`, already read);
    each older one, and the parent of the oldest, is read at its commit.
    """
    versions = []
    for index, commit in enumerate(commits[:limit]):
        text = current if index == 0 else text_at(str(commit["sha"]))
        versions.append(Version(str(commit["sha"]), _date(commit), commit.get("html_url"), text))
    complete = len(commits) < limit
    oldest = commits[min(len(commits), limit) - 1] if commits else None
    parents = (oldest or {}).get("parents") or []
    if complete and parents:
        before = parents[0]
        versions.append(Version(str(before["sha"]), "", before.get("html_url"), text_at(str(before["sha"]))))
    elif not commits:
        versions.append(Version("", "", None, current))  # unchanged throughout the window
    return FileHistory(path, tuple(versions), complete)


def _date(commit: dict[str, Any]) -> str:
    body = commit.get("commit") or {}
    return str((body.get("committer") or body.get("author") or {}).get("date") or "")


def _moment(date: str) -> datetime:
    """A version's time; the one before the window (no date) is earlier than any moment."""
    return datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.min.replace(tzinfo=UTC)
