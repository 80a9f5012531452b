"""`goldenpath create-repo`: turn a valid name into a protected, wired, deployable repository.

Every check that can refuse runs first and only reads (answers, requester,
team rights, an existing repository that is not ours), so a refusal writes
nothing. Then each step is one small idempotent function: read the state,
decide, write only if needed. A dry run is the same functions not writing, and
a rerun after a failure at any step finishes the job with the same end state.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from githubkit import GitHub

from goldenpath.console import progress
from goldenpath.create_repo.access import (
    OWNER_PERMISSION,
    PLATFORM_PERMISSION,
    ensure_secret_access,
    ensure_team,
)
from goldenpath.create_repo.checks import authorize, find_repository, find_team_ids, prepare_render
from goldenpath.create_repo.context import Run
from goldenpath.create_repo.environments import ensure_environment, ensure_tag_policy
from goldenpath.create_repo.render import resolve_ref
from goldenpath.create_repo.repository import ensure_first_commit, ensure_repository, ensure_topics
from goldenpath.create_repo.request import NewRepo, check_request
from goldenpath.create_repo.ruleset import ensure_ruleset
from goldenpath.github.client import GitHubEnv
from goldenpath.github.reconcile import (
    CREATED,
    UNCHANGED,
    WOULD_CREATE,
    WOULD_UPDATE,
    Step,
    Steps,
    translated,
)
from goldenpath.settings import DEPLOYED_ENVIRONMENTS, RELEASED_ENVIRONMENT, Settings

# How a dry run's step that would change nothing reads to people.
EXISTS = "exists"


@dataclass(frozen=True)
class Planned:
    name: str
    apply: Callable[[Run], str]


def plan_steps(run: Run) -> list[Planned]:
    """Every step in order: the repository first, its protection last (after the first push)."""
    settings = run.settings
    deployments = [settings.environments[env].deployment for env in DEPLOYED_ENVIRONMENTS]
    secrets = []
    for deployment in deployments:
        assert deployment is not None  # settings guarantee it for deployed environments
        secrets.append(deployment.client_id_secret)
        if run.new.answers["auth_mode"] != "oidc":  # OIDC needs no client secret
            secrets.append(deployment.client_secret_secret)
    # The platform team's admin wins when it also owns the repository: one grant per team.
    grants = {run.new.team: OWNER_PERMISSION, settings.platform_team: PLATFORM_PERMISSION}
    return [
        Planned("repository", ensure_repository),
        Planned("topics", ensure_topics),
        Planned("first-commit", ensure_first_commit),
        *(Planned(f"team:{slug}", ensure_team(slug, permission)) for slug, permission in grants.items()),
        *(Planned(f"environment:{env}", ensure_environment(env)) for env in DEPLOYED_ENVIRONMENTS),
        Planned(f"branch-policy:{RELEASED_ENVIRONMENT}", ensure_tag_policy),
        *(Planned(f"secret:{name}", ensure_secret_access(name)) for name in dict.fromkeys(secrets)),
        Planned("ruleset", ensure_ruleset),
    ]


@dataclass
class Outcome:
    """The result of one create-repo run, as `--json` prints it."""

    repo: str
    url: str
    status: str  # created | converged | planned | refused | failed
    steps: Steps = field(default_factory=Steps)

    def spoken_steps(self) -> list[tuple[str, str]]:
        """Steps as people read them: a dry run says "exists" where nothing would change."""
        planned = self.status == "planned"
        return [(s.name, EXISTS if planned and s.result == UNCHANGED else s.result) for s in self.steps.done]

    def as_json(self) -> dict[str, Any]:
        """Results as words a workflow can match; a dry run's changes are all `planned`."""
        return {
            "repo": self.repo,
            "url": self.url,
            "status": self.status,
            "steps": [
                {
                    "name": s.name,
                    "result": "planned" if s.result in (WOULD_CREATE, WOULD_UPDATE) else s.result,
                }
                for s in self.steps.done
            ],
        }


def create_repo(
    gh: GitHub[Any], env: GitHubEnv, settings: Settings, new: NewRepo, outcome: Outcome, *, dry_run: bool
) -> None:
    """Refuse with nothing written, or run every step, recording each in `outcome`.

    A refusal is `Refused` (or `UsageError` for a setup GitHub cannot serve);
    a step that fails raises in the error model after `outcome` records it.
    """
    check_request(new, settings)
    resolve_ref(new.template, new.vcs_ref)
    run = Run(gh=gh, env=env, settings=settings, new=new, dry_run=dry_run)
    # One HTTP connection for the whole run: outside `with`, githubkit builds a client
    # (and loads the CA bundle) for every request.
    with gh, tempfile.TemporaryDirectory(prefix="goldenpath-create-repo-") as workdir:
        with translated():
            authorize(run)
            find_team_ids(run)
            find_repository(run)
        prepare_render(run, Path(workdir))
        for planned in plan_steps(run):
            if dry_run and run.repo is None and planned.name != "repository":
                # Nothing to read yet: the repository itself is only planned.
                step = Step(planned.name, WOULD_CREATE)
                outcome.steps.done.append(step)
            else:
                step = outcome.steps.run(planned.name, functools.partial(planned.apply, run))
            if not dry_run:  # a dry run's result is its plan, printed once at the end
                progress(step.line)
            if step.name == "repository" and step.result == CREATED:
                outcome.status = "created"
