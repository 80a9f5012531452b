"""`goldenpath create-repo`: turn a valid name into a protected, wired, deployable repository.

Every check that can refuse runs first and only reads (answers, requester,
team rights, an existing repository that is not ours), so a refusal writes
nothing. Then each step is one small idempotent function: read the state,
decide, write only if needed. A dry run is the same functions not writing, and
a rerun after a failure at any step finishes the job with the same end state.
"""

from __future__ import annotations

import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from githubkit import GitHub, Response
from githubkit.exception import GitHubException, RequestFailed

from goldenpath.console import progress
from goldenpath.create_repo.render import RenderError, render, resolve_ref, template_file
from goldenpath.create_repo.required_checks import required_checks
from goldenpath.git import GitError, commit_all, git
from goldenpath.github.client import GitHubEnv
from goldenpath.naming import derive_names
from goldenpath.project import answers_errors
from goldenpath.settings import DEPLOYED_ENVIRONMENTS, RELEASED_ENVIRONMENT, Settings

OWNERSHIP_TOPIC = "goldenpath"
RULESET_NAME = "goldenpath-main"
RELEASE_TAG_PATTERN = "v*"  # the tags generated deploy.yml deploys to prd
BOT_NAME = "goldenpath[bot]"
BOT_EMAIL = "goldenpath[bot]@users.noreply.github.com"
GENERATED_CI = ".github/workflows/ci.yml"
OWNER_PERMISSION = "maintain"
PLATFORM_PERMISSION = "admin"
TAGS_ONLY = {"protected_branches": False, "custom_branch_policies": True}
PULL_REQUEST_RULE = {
    "required_approving_review_count": 1,
    "dismiss_stale_reviews_on_push": True,
    "require_code_owner_review": False,
    "require_last_push_approval": False,
    "required_review_thread_resolution": False,
}
REPOSITORY_MEDIA_TYPE = "application/vnd.github.v3.repository+json"
# A GitHub login: letters, digits and single hyphens, at most 39 characters.
GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")

# What a step did. Dry runs say what they would do; JSON reports those as `planned`.
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
WOULD_CREATE, WOULD_UPDATE = "would create", "would update"


class Refused(Exception):
    """The request is not allowed or not valid; nothing was written."""


class SetupError(Exception):
    """The template, settings or GitHub setup cannot serve any request; nothing was written."""


class StepFailed(Exception):
    """A step failed part-way; running the same command again resumes."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"step {step!r} failed: {reason}")
        self.step = step
        self.outcome: Outcome | None = None  # the steps done before, when the failure came in a step


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


@dataclass
class Run:
    """Everything the steps share: the client, the request, and what is known of the repository."""

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


@dataclass(frozen=True)
class Step:
    name: str
    apply: Callable[[Run], str]


# -- refusals and setup: reads only --------------------------------------------------------


def check_request(new: NewRepo, settings: Settings) -> None:
    """Refuse bad answers and a malformed requester before anything talks to GitHub."""
    errors = answers_errors(new.answers, settings)
    if not GITHUB_LOGIN.fullmatch(new.requester):
        errors.append(f"requester {new.requester!r} is not a GitHub login (letters, digits, single '-')")
    if errors:
        raise Refused("\n".join(errors))


def authorize(run: Run) -> None:
    """The requester must be an active member of the team that will own the repository."""
    membership = _get(run, f"/orgs/{run.org}/teams/{run.new.team}/memberships/{run.new.requester}")
    state = membership.get("state") if membership else None
    if state != "active":
        why = "is not a member" if membership is None else f"has a {state} membership (accept the invitation)"
        raise Refused(f"{run.new.requester} {why} of team {run.org}/{run.new.team}; ask a team maintainer")


def find_team_ids(run: Run) -> None:
    """Ids of the teams the steps grant to (reviewers are named by id); a missing one is a setup error."""
    for slug in dict.fromkeys((run.new.team, run.settings.platform_team, run.settings.prd_reviewers)):
        team = _get(run, f"/orgs/{run.org}/teams/{slug}")
        if team is None:
            raise SetupError(f"team {run.org}/{slug} does not exist; create it or fix goldenpath.yml")
        run.team_ids[slug] = int(team["id"])


def find_repository(run: Run) -> None:
    """An existing repository is converged only when it is ours; anything else is refused."""
    repo = _get(run, f"/repos/{run.org}/{run.name}")
    if repo is not None and not _is_ours(run, repo):
        raise Refused(
            f"{run.org}/{run.name} already exists and was not made by goldenpath "
            f"(no '{OWNERSHIP_TOPIC}' topic); choose another name"
        )
    run.repo = repo


def _is_ours(run: Run, repo: dict[str, Any]) -> bool:
    """Ours: it has the topic, or it is the empty, topic-less repository a failed run just created.

    The topic is set right after the create; if that write failed, the rerun
    recognises its own repository by the exact description it was created with
    and by having no commit yet.
    """
    topics = repo.get("topics") or []
    if OWNERSHIP_TOPIC in topics:
        return True
    half_made = not topics and repo.get("description") == run.new.answers["description"]
    return half_made and _get(run, f"/repos/{run.org}/{run.name}/branches/main") is None


def prepare_render(run: Run, workdir: Path) -> None:
    """Render the new repository and read its CI's check names: before any write, so a bad template refuses early."""
    new = run.new
    pyproject = tomllib.loads(template_file(new.template, new.vcs_ref, "pyproject.toml"))
    run.template_version = str(pyproject["project"]["version"])
    central_url = run.settings.central_git_url(run.env.server_url)
    run.rendered = render(new.template, new.vcs_ref, new.answers, workdir / run.name, central_url)
    ci_text = (run.rendered / GENERATED_CI).read_text(encoding="utf-8")
    run.checks = required_checks(
        ci_text, run.settings.central_slug, lambda path: template_file(new.template, new.vcs_ref, path)
    )


# -- the steps -----------------------------------------------------------------------------


def ensure_repository(run: Run) -> str:
    if run.repo is not None:
        return UNCHANGED
    if run.dry_run:
        return WOULD_CREATE
    body = {
        "name": run.name,
        "description": run.new.answers["description"],
        "visibility": run.settings.repo_visibility,
        "auto_init": False,
        "delete_branch_on_merge": True,
    }
    # Not the typed create_in_org: its body schema knows only public and private, not internal.
    run.repo = run.gh.request("POST", f"/orgs/{run.org}/repos", json=body).json()
    return CREATED


def ensure_topics(run: Run) -> str:
    assert run.repo is not None
    current = list(run.repo.get("topics") or [])
    if set(run.topics) <= set(current):
        return UNCHANGED
    if run.dry_run:
        return WOULD_UPDATE
    names = current + [t for t in run.topics if t not in current]
    run.gh.rest.repos.replace_all_topics(run.org, run.name, data={"names": names})
    run.repo["topics"] = names
    return UPDATED


def ensure_first_commit(run: Run) -> str:
    """Push the rendered tree as `main`, once: if main exists, it is never pushed again."""
    if _get(run, f"/repos/{run.org}/{run.name}/branches/main") is not None:
        return UNCHANGED
    if run.dry_run:
        return WOULD_CREATE
    assert run.rendered is not None
    message = (
        f"Create {run.name} from goldenpath {run.template_version}\n\n"
        f"Rendered by `goldenpath create-repo` from {run.settings.central_slug} at {run.new.vcs_ref} "
        f"for {run.new.requester} (team {run.new.team})."
    )
    environ = run.env.git_environ()
    git("init", "--quiet", "--initial-branch=main", cwd=run.rendered, env=environ)
    commit_all(run.rendered, message, author=(BOT_NAME, BOT_EMAIL), env=environ)
    git(
        "push",
        "--quiet",
        run.env.repo_git_url(run.org, run.name),
        "main:refs/heads/main",
        cwd=run.rendered,
        env=environ,
    )
    return CREATED


def ensure_team(slug: str, permission: str) -> Callable[[Run], str]:
    def apply(run: Run) -> str:
        path = f"/orgs/{run.org}/teams/{slug}/repos/{run.org}/{run.name}"
        granted = _get(run, path, accept=REPOSITORY_MEDIA_TYPE)
        if granted is not None and granted.get("role_name") == permission:
            return UNCHANGED
        if run.dry_run:
            return WOULD_CREATE if granted is None else WOULD_UPDATE
        run.gh.rest.teams.add_or_update_repo_permissions_in_org(
            run.org, slug, run.org, run.name, data={"permission": permission}
        )
        return CREATED if granted is None else UPDATED

    return apply


def ensure_environment(env_name: str) -> Callable[[Run], str]:
    """acc just exists; prd needs the reviewers team and deploys from tags only."""

    def apply(run: Run) -> str:
        current = _get(run, f"/repos/{run.org}/{run.name}/environments/{env_name}")
        body: dict[str, Any] = {}
        if env_name == RELEASED_ENVIRONMENT:
            reviewers = _reviewers(current)
            wanted = {"type": "Team", "id": run.team_ids[run.settings.prd_reviewers]}
            policy = (current or {}).get("deployment_branch_policy")
            if current is not None and wanted in reviewers and policy == TAGS_ONLY:
                return UNCHANGED
            keep = [r for r in reviewers if r != wanted]
            body = {"reviewers": [*keep, wanted], "deployment_branch_policy": TAGS_ONLY}
        elif current is not None:
            return UNCHANGED
        if run.dry_run:
            return WOULD_CREATE if current is None else WOULD_UPDATE
        run.gh.rest.repos.create_or_update_environment(run.org, run.name, env_name, data=body)  # type: ignore[call-overload]
        return CREATED if current is None else UPDATED

    return apply


def _reviewers(environment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The reviewers of an environment as GitHub takes them in a PUT: type and id."""
    found = []
    for rule in (environment or {}).get("protection_rules") or []:
        for reviewer in rule.get("reviewers") or []:
            found.append({"type": reviewer.get("type"), "id": (reviewer.get("reviewer") or {}).get("id")})
    return found


def ensure_tag_policy(run: Run) -> str:
    path = f"/repos/{run.org}/{run.name}/environments/{RELEASED_ENVIRONMENT}/deployment-branch-policies"
    listed = _get(run, path) or {}
    policies = listed.get("branch_policies") or []
    if any(p.get("name") == RELEASE_TAG_PATTERN and p.get("type") == "tag" for p in policies):
        return UNCHANGED
    if run.dry_run:
        return WOULD_CREATE
    run.gh.rest.repos.create_deployment_branch_policy(
        run.org, run.name, RELEASED_ENVIRONMENT, data={"name": RELEASE_TAG_PATTERN, "type": "tag"}
    )
    return CREATED


def ensure_secret_access(secret: str) -> Callable[[Run], str]:
    """Add the repository to an org secret's selected repositories; values are never read or written."""

    def apply(run: Run) -> str:
        assert run.repo is not None
        repo_id = int(run.repo["id"])
        if repo_id in _secret_repository_ids(run, secret):
            return UNCHANGED
        if run.dry_run:
            return WOULD_CREATE
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
            raise StepFailed(f"secret:{secret}", f"{_describe(exc)} ({hint})") from exc
        return CREATED

    return apply


def _secret_repository_ids(run: Run, secret: str) -> set[int]:
    ids: set[int] = set()
    page = 1
    while True:
        path = f"/orgs/{run.org}/actions/secrets/{secret}/repositories"
        listed = _get(run, path, params={"per_page": 100, "page": page})
        repositories = (listed or {}).get("repositories") or []
        ids |= {int(r["id"]) for r in repositories}
        if len(repositories) < 100:
            return ids
        page += 1


def ensure_ruleset(run: Run) -> str:
    desired = ruleset_body(run.checks)
    listed = _get(run, f"/repos/{run.org}/{run.name}/rulesets") or []
    ours = next(
        (r for r in listed if r.get("name") == RULESET_NAME and r.get("source_type") != "Organization"), None
    )
    if ours is not None:
        # GitHub lists rulesets without their rules; a listing that has them saves a GET.
        has_rules = "rules" in ours
        current = ours if has_rules else _get(run, f"/repos/{run.org}/{run.name}/rulesets/{ours['id']}")
        if current is not None and _ruleset_shape(current) == _ruleset_shape(desired):
            return UNCHANGED
        if run.dry_run:
            return WOULD_UPDATE
        run.gh.rest.repos.update_repo_ruleset(run.org, run.name, int(ours["id"]), data=desired)  # type: ignore[call-overload]
        return UPDATED
    if run.dry_run:
        return WOULD_CREATE
    run.gh.rest.repos.create_repo_ruleset(run.org, run.name, data=desired)  # type: ignore[call-overload]
    return CREATED


def ruleset_body(checks: list[str]) -> dict[str, Any]:
    """The default branch takes changes only through reviewed pull requests whose CI passed."""
    return {
        "name": RULESET_NAME,
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {"type": "pull_request", "parameters": PULL_REQUEST_RULE},
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": False,
                    "required_status_checks": [{"context": check} for check in checks],
                },
            },
        ],
    }


def _ruleset_shape(ruleset: dict[str, Any]) -> dict[str, Any]:
    """What goldenpath decides about a ruleset, ignoring fields GitHub adds."""
    rules = {}
    for rule in ruleset.get("rules") or []:
        params = rule.get("parameters") or {}
        if rule.get("type") == "required_status_checks":
            params = {
                "strict": params.get("strict_required_status_checks_policy"),
                "checks": sorted(c.get("context") for c in params.get("required_status_checks") or []),
            }
        elif rule.get("type") == "pull_request":
            params = {key: params.get(key) for key in PULL_REQUEST_RULE}
        rules[rule.get("type")] = params
    ref_name = (ruleset.get("conditions") or {}).get("ref_name") or {}
    return {
        "target": ruleset.get("target"),
        "enforcement": ruleset.get("enforcement"),
        "include": sorted(ref_name.get("include") or []),
        "exclude": sorted(ref_name.get("exclude") or []),
        "rules": rules,
    }


def plan_steps(run: Run) -> list[Step]:
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
        Step("repository", ensure_repository),
        Step("topics", ensure_topics),
        Step("first-commit", ensure_first_commit),
        *(Step(f"team:{slug}", ensure_team(slug, permission)) for slug, permission in grants.items()),
        *(Step(f"environment:{env}", ensure_environment(env)) for env in DEPLOYED_ENVIRONMENTS),
        Step(f"branch-policy:{RELEASED_ENVIRONMENT}", ensure_tag_policy),
        *(Step(f"secret:{name}", ensure_secret_access(name)) for name in dict.fromkeys(secrets)),
        Step("ruleset", ensure_ruleset),
    ]


# -- running it ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """The result of one create-repo run, as `--json` prints it."""

    repo: str
    url: str
    status: str  # created | converged | planned | refused | failed
    steps: list[tuple[str, str]] = field(default_factory=list)

    def spoken_steps(self) -> list[tuple[str, str]]:
        """Steps as people read them: a dry run says "exists" where nothing would change."""
        return [(name, _spoken(result, self.status == "planned")) for name, result in self.steps]

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "url": self.url,
            "status": self.status,
            "steps": [{"name": name, "result": _json_result(result)} for name, result in self.steps],
        }


def _json_result(result: str) -> str:
    return "planned" if result in (WOULD_CREATE, WOULD_UPDATE) else result


def create_repo(
    gh: GitHub[Any], env: GitHubEnv, settings: Settings, new: NewRepo, *, dry_run: bool
) -> Outcome:
    """Refuse (`Refused`, `SetupError`) with nothing written, or run every step.

    A failing step raises `StepFailed` carrying the outcome so far in `.outcome`.
    """
    check_request(new, settings)
    try:
        resolve_ref(new.template, new.vcs_ref)
    except RenderError as exc:
        raise SetupError(str(exc)) from exc
    run = Run(gh=gh, env=env, settings=settings, new=new, dry_run=dry_run)
    # One HTTP connection for the whole run: outside `with`, githubkit builds a client
    # (and loads the CA bundle) for every request.
    with gh, tempfile.TemporaryDirectory(prefix="goldenpath-create-repo-") as workdir:
        return _run_steps(run, Path(workdir))


def _run_steps(run: Run, workdir: Path) -> Outcome:
    outcome = Outcome(run.name, run.url, "planned" if run.dry_run else "converged")
    with _reading("authorize"):
        authorize(run)
        find_team_ids(run)
        find_repository(run)
    try:
        prepare_render(run, workdir)
    except (RenderError, ValueError, KeyError) as exc:
        raise SetupError(f"cannot render {run.name}: {exc}") from exc
    for step in plan_steps(run):
        if run.dry_run and run.repo is None and step.name != "repository":
            result = WOULD_CREATE  # nothing to read yet: the repository itself is only planned
        else:
            try:
                with _reading(step.name):
                    result = step.apply(run)
            except StepFailed as exc:
                outcome.steps.append((step.name, "failed"))
                outcome.status = "failed"
                exc.outcome = outcome
                raise
        outcome.steps.append((step.name, result))
        progress(f"{step.name}: {_spoken(result, run.dry_run)}")
        if step.name == "repository" and result == CREATED:
            outcome.status = "created"
    return outcome


def _spoken(result: str, dry_run: bool) -> str:
    return "exists" if dry_run and result == UNCHANGED else result


@contextmanager
def _reading(step: str) -> Iterator[None]:
    """Turn any remote failure inside a step into `StepFailed` naming it."""
    try:
        yield
    except RequestFailed as exc:
        raise StepFailed(step, _describe(exc)) from exc
    except (GitHubException, httpx.HTTPError) as exc:
        raise StepFailed(step, f"GitHub could not be reached ({type(exc).__name__})") from exc
    except GitError as exc:
        raise StepFailed(step, str(exc)) from exc


def _describe(exc: RequestFailed) -> str:
    """`METHOD /path answered STATUS: message`; the request's headers (the token) are never shown."""
    response = exc.response
    request = response.raw_request
    try:
        message = response.json().get("message", "")
    except ValueError:
        message = ""
    return f"{request.method} {request.url.path} answered {response.status_code}" + (
        f": {message}" if message else ""
    )


def _get(run: Run, path: str, *, accept: str | None = None, params: dict[str, int] | None = None) -> Any:
    """GET `path` as JSON; None on 404, which is how GitHub says "not there" (or not allowed to know)."""
    headers = {"Accept": accept} if accept else None
    try:
        response: Response[Any, Any] = run.gh.request("GET", path, headers=headers, params=params)
    except RequestFailed as exc:
        if exc.response.status_code == 404:
            return None
        raise
    return response.json() if response.content else {}
