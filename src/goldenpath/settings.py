"""Load and validate the org settings file (`goldenpath.yml`).

Every other module, both template engines and the workflows take org-specific
facts from the `Settings` returned here, so a fork changes one file only.
This module needs nothing beyond PyYAML because copier and cookiecutter import
it at render time from inside their own environments.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from goldenpath.errors import UsageError
from goldenpath.settings_monitoring import (
    MonitoringDefaults,
    TeamAlerts,
    parse_monitoring,
    parse_team_alerts,
    parse_warehouse_id,
)

SETTINGS_FILENAME = "goldenpath.yml"
SETTINGS_ENV_VAR = "GOLDENPATH_SETTINGS"
ENVIRONMENT_NAMES = ("dev", "acc", "prd")
# CI deploys these (acc on every push to main, prd on a release tag); dev is each developer's own.
DEPLOYED_ENVIRONMENTS = ("acc", "prd")
# The environment release tags deploy to: its deploys need a review and come from tags only.
RELEASED_ENVIRONMENT = "prd"
# GitHub's own default server; GitHub Enterprise Server sets GITHUB_SERVER_URL instead.
DEFAULT_GITHUB_SERVER_URL = "https://github.com"
# Visibilities create-repo may give a new repository (never public: it holds org code).
REPO_VISIBILITIES = ("private", "internal")
ALL_UNITS = "all"
TEAM_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# Kinds of project the template can make; `project_kinds` in the settings picks which are offered.
SERVING_KIND = "serving"
PROJECT_KINDS = ("batch", SERVING_KIND)


class SettingsError(UsageError):
    """The settings file is missing, malformed or inconsistent: a configuration error (exit 2)."""


@dataclass(frozen=True)
class GitIdentity:
    """Who a commit names as its author."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


# What goldenpath commits as (a created repository's first commit, the update pull request's
# commit) unless `github.bot` names the org's GitHub App bot.
DEFAULT_BOT = GitIdentity("goldenpath[bot]", "goldenpath[bot]@users.noreply.github.com")


@dataclass(frozen=True)
class Deployment:
    """How CI deploys to an environment: who the job runs as, and which secrets hold its credentials."""

    service_principal: str
    client_id_secret: str
    client_secret_secret: str


@dataclass(frozen=True)
class Environment:
    name: str
    host: str
    catalog_prefix: str
    deployment: Deployment | None  # None for dev, which runs as the developer
    warehouse_id: str  # the SQL warehouse monitors and alerts run on


@dataclass(frozen=True)
class NamingRules:
    max_length: int
    usecase_min: int
    usecase_max: int
    reserved_words: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    org: str
    central_repo: str
    release_line: str
    units: dict[str, str]
    domains: tuple[str, ...]
    teams: dict[str, tuple[str, ...]]
    environments: dict[str, Environment]
    cost_center_default: str
    cost_center_pattern: str
    python_default: str
    python_runtimes: dict[str, str]
    package_index: str
    # Where releases upload the goldenpath wheel; None: not published, and generated repos
    # do not get the CLI as a dev dependency (docs/adr/0012).
    publish_url: str | None
    node_type_id: str
    num_workers: int
    coverage_min: int
    naming: NamingRules
    source: Path
    repo_visibility: str
    platform_team: str
    prd_reviewers: str
    team_alerts: dict[str, TeamAlerts]
    monitoring: MonitoringDefaults
    # Offered kinds, the default first; a fork switches one off by leaving it out.
    project_kinds: tuple[str, ...] = PROJECT_KINDS
    bot: GitIdentity = DEFAULT_BOT

    @property
    def python_supported(self) -> tuple[str, ...]:
        """Python versions a new repo may choose: those with a matching Databricks Runtime."""
        return tuple(self.python_runtimes)

    @property
    def central_slug(self) -> str:
        """`<org>/<repo>` of this central repository."""
        return f"{self.org}/{self.central_repo}"

    def central_git_url(self, server_url: str = DEFAULT_GITHUB_SERVER_URL) -> str:
        """The central repo's git URL: what `copier update` in a generated repo clones."""
        return f"{server_url.rstrip('/')}/{self.central_slug}.git"

    def workflow_uses(self, workflow_file: str) -> str:
        """The `uses:` value a generated repo puts in its caller workflows."""
        return f"{self.central_slug}/.github/workflows/{workflow_file}@{self.release_line}"


def bundled_settings_path() -> Path:
    """Where the settings live for this copy of the package.

    In a checkout (or editable install) the file is at the repository root;
    in a built wheel poetry places it beside the package in site-packages.
    """
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / SETTINGS_FILENAME, here.parents[2] / SETTINGS_FILENAME):
        if candidate.is_file():
            return candidate
    raise SettingsError(
        f"cannot find {SETTINGS_FILENAME} next to {here.parent}; "
        f"pass --settings PATH or set {SETTINGS_ENV_VAR}"
    )


def resolve_settings_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Explicit path, then $GOLDENPATH_SETTINGS, then the bundled file."""
    chosen = explicit or os.environ.get(SETTINGS_ENV_VAR)
    return Path(chosen) if chosen else bundled_settings_path()


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the settings; errors name the key and what is expected."""
    settings_path = resolve_settings_path(path)
    try:
        raw = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {settings_path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"{settings_path} is not valid YAML: {exc}") from exc
    return parse_settings(raw, settings_path)


def parse_settings(raw: Any, source: Path) -> Settings:
    """Turn the parsed YAML into `Settings`, refusing anything inconsistent."""
    reader = _Reader(raw, source)
    units = reader.mapping("units")
    teams = {name: _team_units(reader, name, spec) for name, spec in reader.mapping("teams").items()}
    for team, team_units in teams.items():
        unknown = sorted(set(team_units) - set(units)) if team_units != (ALL_UNITS,) else []
        if unknown:
            reader.fail(f"teams.{team}.units", f"names unknown units {unknown}; known: {sorted(units)}")
    if (ALL_UNITS,) not in teams.values():
        reader.fail("teams", f"needs one team with 'units: {ALL_UNITS}' (the platform team)")
    platform_team = reader.text("github.platform_team")
    if teams.get(platform_team) != (ALL_UNITS,):
        everything = sorted(team for team, team_units in teams.items() if team_units == (ALL_UNITS,))
        reader.fail(
            "github.platform_team", f"{platform_team!r} must be a team with 'units: all': {everything}"
        )
    repo_visibility = (
        reader.text("github.repo_visibility") if reader.has("github.repo_visibility") else "private"
    )
    if repo_visibility not in REPO_VISIBILITIES:
        reader.fail(
            "github.repo_visibility",
            f"must be one of {', '.join(REPO_VISIBILITIES)}, got {repo_visibility!r}",
        )
    prd_reviewers = reader.text("github.prd_reviewers")
    if not TEAM_SLUG.fullmatch(prd_reviewers):
        reader.fail(
            "github.prd_reviewers",
            f"must be a GitHub team slug (lowercase, digits, '-', '_'), got {prd_reviewers!r}",
        )
    environments = {env: _environment(reader, env) for env in ENVIRONMENT_NAMES}
    python_runtimes = {str(k): str(v) for k, v in reader.mapping("python.runtimes").items()}
    python_default = str(reader.value("python.default"))
    if python_default not in python_runtimes:
        reader.fail(
            "python.default", f"{python_default!r} must be one of python.runtimes {list(python_runtimes)}"
        )
    cost_center_pattern = reader.text("tags.cost_center_pattern")
    cost_center_default = reader.text("tags.cost_center_default")
    if not re.fullmatch(cost_center_pattern, cost_center_default):
        reader.fail(
            "tags.cost_center_default", f"{cost_center_default!r} does not match tags.cost_center_pattern"
        )
    return Settings(
        org=reader.text("github.org"),
        central_repo=reader.text("central.repo"),
        release_line=reader.text("central.release_line"),
        units={str(k): str(v) for k, v in units.items()},
        domains=tuple(str(d) for d in reader.sequence("domains")),
        teams=teams,
        environments=environments,
        cost_center_default=cost_center_default,
        cost_center_pattern=cost_center_pattern,
        python_default=python_default,
        python_runtimes=python_runtimes,
        package_index=_https_url(reader, "python.package_index"),
        publish_url=_https_url(reader, "python.publish_url") if reader.has("python.publish_url") else None,
        node_type_id=reader.text("compute.node_type_id"),
        num_workers=reader.whole_number("compute.num_workers", 0, None, "a whole number >= 0"),
        coverage_min=reader.whole_number("quality.coverage_min", 0, 100, "a whole percentage from 0 to 100"),
        naming=NamingRules(
            max_length=int(reader.value("naming.max_length")),
            usecase_min=int(reader.value("naming.usecase_segments.min")),
            usecase_max=int(reader.value("naming.usecase_segments.max")),
            reserved_words=tuple(str(w) for w in reader.sequence("naming.reserved_words")),
        ),
        source=source,
        repo_visibility=repo_visibility,
        platform_team=platform_team,
        prd_reviewers=prd_reviewers,
        team_alerts={team: parse_team_alerts(reader, team) for team in teams},
        monitoring=parse_monitoring(reader),
        project_kinds=_project_kinds(reader),
        bot=_bot(reader),
    )


def _bot(reader: _Reader) -> GitIdentity:
    """Optional `github.bot` (name and email); without it, `DEFAULT_BOT`."""
    if not reader.has("github.bot"):
        return DEFAULT_BOT
    email = reader.text("github.bot.email")
    if "@" not in email or any(c.isspace() for c in email):
        reader.fail("github.bot.email", f"must be an email address, got {email!r}")
    return GitIdentity(reader.text("github.bot.name"), email)


def _project_kinds(reader: _Reader) -> tuple[str, ...]:
    """Optional key (forks older than it offer every kind); the first listed is the default."""
    if not reader.has("project_kinds"):
        return PROJECT_KINDS
    kinds = [str(kind) for kind in reader.sequence("project_kinds")]
    unknown = sorted(set(kinds) - set(PROJECT_KINDS))
    if unknown or len(set(kinds)) != len(kinds):
        reader.fail(
            "project_kinds",
            f"must list distinct kinds from {list(PROJECT_KINDS)}, got {kinds}",
        )
    return tuple(kinds)


def _team_units(reader: _Reader, team: str, spec: Any) -> tuple[str, ...]:
    units = spec.get("units") if isinstance(spec, dict) else None
    if units == ALL_UNITS:
        return (ALL_UNITS,)
    if not isinstance(units, list) or not units:
        reader.fail(f"teams.{team}.units", f"must be '{ALL_UNITS}' or a non-empty list of units")
    return tuple(str(u) for u in units)


def _https_url(reader: _Reader, key: str) -> str:
    url = reader.text(key)
    if not url.startswith("https://"):
        reader.fail(key, f"must be an https:// URL, got {url!r}")
    return url


def _environment(reader: _Reader, env: str) -> Environment:
    return Environment(
        name=env,
        host=_https_url(reader, f"environments.{env}.host"),
        catalog_prefix=reader.text(f"environments.{env}.catalog"),
        deployment=_deployment(reader, env),
        warehouse_id=parse_warehouse_id(reader, env),
    )


def _deployment(reader: _Reader, env: str) -> Deployment | None:
    keys = (f"environments.{env}.service_principal", f"secrets.{env}")
    if env not in DEPLOYED_ENVIRONMENTS:
        for key in keys:
            if reader.has(key):
                reader.fail(
                    key, f"is not used: CI deploys only {', '.join(DEPLOYED_ENVIRONMENTS)}; remove it"
                )
        return None
    return Deployment(
        service_principal=reader.text(keys[0]),
        client_id_secret=reader.text(f"secrets.{env}.client_id"),
        client_secret_secret=reader.text(f"secrets.{env}.client_secret"),
    )


class _Reader:
    """Dotted-key access that reports the file and key on every error."""

    def __init__(self, raw: Any, source: Path) -> None:
        if not isinstance(raw, dict):
            raise SettingsError(f"{source}: expected a mapping at the top level")
        self._raw = raw
        self._source = source

    def fail(self, key: str, problem: str) -> NoReturn:
        raise SettingsError(f"{self._source}: {key} {problem}")

    def has(self, key: str) -> bool:
        node: Any = self._raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def value(self, key: str) -> Any:
        node: Any = self._raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                self.fail(key, "is missing (see docs/settings.md)")
            node = node[part]
        return node

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string, got {value!r}")
        return str(value)

    def whole_number(self, key: str, low: int, high: int | None, expected: str) -> int:
        value = self.value(key)
        in_range = isinstance(value, int) and low <= value and (high is None or value <= high)
        if not in_range or isinstance(value, bool):
            self.fail(key, f"must be {expected}, got {value!r}")
        return int(value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.value(key)
        if not isinstance(value, dict) or not value:
            self.fail(key, "must be a non-empty mapping")
        return dict(value)

    def sequence(self, key: str) -> list[Any]:
        value = self.value(key)
        if not isinstance(value, list) or not value:
            self.fail(key, "must be a non-empty list")
        return list(value)
