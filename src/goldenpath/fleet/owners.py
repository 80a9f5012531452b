"""Who owns a repo: the catch-all rule of CODEOWNERS, else the `team` answer of `.copier-answers.yml`.

CODEOWNERS comes first because GitHub enforces it: it is where a team that
changes hands is written down, while the answers file keeps the team the repo
was created for. Of several `*` rules GitHub applies the last; of several
owners on it the report names the first (a team before a person, as listed).
"""

from __future__ import annotations

from typing import Any, Literal

from goldenpath.fleet.facts import ANSWERS_FILE, CODEOWNERS_PATHS, RepoFacts
from goldenpath.fleet.model import Owner


def owner_of(facts: RepoFacts, answers: dict[str, Any]) -> Owner | None:
    for path in CODEOWNERS_PATHS:  # GitHub reads the first of these that exists
        if path in facts.files:
            found = _catch_all(facts.files[path])
            if found is not None:
                number, handle = found
                name, kind = _name(handle)
                return Owner(name, kind, f"{path}:{number}", f"{facts.blob_url()}/{path}#L{number}")
            break
    team = answers.get("team")
    if isinstance(team, str) and team.strip():
        return Owner(team.strip(), "team", ANSWERS_FILE, f"{facts.blob_url()}/{ANSWERS_FILE}")
    return None


def _catch_all(text: str) -> tuple[int, str] | None:
    """(line number, first owner) of the last `*` rule that names an owner."""
    found = None
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == "*":
            found = (number, words[1])
    return found


def _name(handle: str) -> tuple[str, Literal["team", "user", "email"]]:
    if handle.startswith("@") and "/" in handle:
        return handle.split("/", 1)[1], "team"
    if handle.startswith("@"):
        return handle, "user"
    return handle, "email"
