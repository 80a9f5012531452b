"""What create-repo was asked for, and the refusals that need nothing but the request itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldenpath.errors import Refused
from goldenpath.project import answers_errors
from goldenpath.settings import Settings

# A GitHub login: letters, digits and single hyphens, at most 39 characters.
GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")


@dataclass(frozen=True)
class NewRepo:
    """What was asked for: the template's answers, who asked, and which template release."""

    answers: dict[str, Any]
    requester: str
    template: Path
    vcs_ref: str

    @property
    def name(self) -> str:
        return str(self.answers["repo_name"])

    @property
    def team(self) -> str:
        return str(self.answers["team"])


def check_request(new: NewRepo, settings: Settings) -> None:
    """Refuse bad answers and a malformed requester before anything talks to GitHub."""
    errors = answers_errors(new.answers, settings)
    if not GITHUB_LOGIN.fullmatch(new.requester):
        errors.append(f"requester {new.requester!r} is not a GitHub login (letters, digits, single '-')")
    if errors:
        raise Refused("\n".join(errors), "refused, nothing was written; fix the request and run it again")
