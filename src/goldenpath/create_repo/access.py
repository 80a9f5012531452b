"""Who may touch the repository: the owning and platform teams, and the org secrets it may read."""

from __future__ import annotations

from collections.abc import Callable

from goldenpath.create_repo.context import Run
from goldenpath.errors import Outage
from goldenpath.github.client import describe
from goldenpath.github.reconcile import UNCHANGED, creating, updating

OWNER_PERMISSION = "maintain"
PLATFORM_PERMISSION = "admin"
REPOSITORY_MEDIA_TYPE = "application/vnd.github.v3.repository+json"
PAGE = 100


def ensure_team(slug: str, permission: str) -> Callable[[Run], str]:
    def apply(run: Run) -> str:
        path = f"/orgs/{run.org}/teams/{slug}/repos/{run.org}/{run.name}"
        granted = run.get(path, accept=REPOSITORY_MEDIA_TYPE)
        if granted is not None and granted.get("role_name") == permission:
            return UNCHANGED
        result = creating(run.dry_run) if granted is None else updating(run.dry_run)
        if not run.dry_run:
            run.gh.rest.teams.add_or_update_repo_permissions_in_org(
                run.org, slug, run.org, run.name, data={"permission": permission}
            )
        return result

    return apply


def ensure_secret_access(secret: str) -> Callable[[Run], str]:
    """Add the repository to an org secret's selected repositories; values are never read or written."""

    def apply(run: Run) -> str:
        from githubkit.exception import RequestFailed

        assert run.repo is not None
        repo_id = int(run.repo["id"])
        if repo_id in _secret_repository_ids(run, secret):
            return UNCHANGED
        if run.dry_run:
            return creating(dry_run=True)
        try:
            run.gh.rest.actions.add_selected_repo_to_org_secret(run.org, secret, repo_id)
        except RequestFailed as exc:
            hints = {
                404: f"the org secret {secret} does not exist; the platform team creates it once",
                409: f"the org secret {secret} must have 'selected repositories' visibility",
            }
            hint = hints.get(exc.response.status_code)
            if hint is None:
                raise
            # Fixed once by the platform team; the same command then resumes here.
            raise Outage(describe(exc), f"{hint}, then run the same command again") from None
        return creating(dry_run=False)

    return apply


def _secret_repository_ids(run: Run, secret: str) -> set[int]:
    ids: set[int] = set()
    page = 1
    while True:
        path = f"/orgs/{run.org}/actions/secrets/{secret}/repositories"
        listed = run.get(path, params={"per_page": PAGE, "page": page})
        repositories = (listed or {}).get("repositories") or []
        ids |= {int(r["id"]) for r in repositories}
        if len(repositories) < PAGE:
            return ids
        page += 1
