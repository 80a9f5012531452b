"""What every create-repo step shares: the client, the request, and what is known of the repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from githubkit import GitHub

from goldenpath.create_repo.request import NewRepo
from goldenpath.github.client import GitHubEnv
from goldenpath.github.reconcile import get_or_none
from goldenpath.naming import derive_names
from goldenpath.settings import Settings

# The topic that marks a repository as made by goldenpath (and found by the fleet).
OWNERSHIP_TOPIC = "goldenpath"


@dataclass
class Run:
    gh: GitHub[Any]
    env: GitHubEnv
    settings: Settings
    new: NewRepo
    dry_run: bool
    repo: dict[str, Any] | None = None
    team_ids: dict[str, int] = field(default_factory=dict)
    rendered: Path | None = None
    checks: list[str] = field(default_factory=list)
    template_version: str = ""

    @property
    def org(self) -> str:
        return self.settings.org

    @property
    def name(self) -> str:
        return self.new.name

    @property
    def url(self) -> str:
        return self.env.repo_html_url(self.org, self.name)

    @property
    def topics(self) -> list[str]:
        names = derive_names(self.name, self.settings)
        return [OWNERSHIP_TOPIC, names.unit, names.domain]

    def get(self, path: str, *, accept: str | None = None, params: dict[str, int] | None = None) -> Any:
        """GET `path` of the API as JSON, None when GitHub says it is not there."""
        return get_or_none(self.gh, path, accept=accept, params=params)
